#!/usr/bin/env bash
# Layering check (DESIGN.md §2): no header or source below transport includes Asio, Beast or OpenSSL,
# and codec includes nothing from the broker. Fails with the offending lines.
set -u
src="$(cd "$(dirname "$0")/../src" && pwd)"
status=0
for dir in common codec broker config; do
  [ -d "$src/$dir" ] || continue
  if hits=$(grep -rnE '#include\s*[<"](boost/(asio|beast)|openssl/)' "$src/$dir"); then
    echo "layering: $dir must not include Asio, Beast or OpenSSL:"; echo "$hits"; status=1
  fi
done
for dir in common codec broker config; do
  [ -d "$src/$dir" ] || continue
  if hits=$(grep -rnE '#include\s*[<"](rocksdb/|store/)' "$src/$dir"); then
    echo "layering: $dir must not know the store's engine (the broker declares Persistence):"; echo "$hits"; status=1
  fi
done
for dir in common codec; do
  [ -d "$src/$dir" ] || continue
  if hits=$(grep -rnE '#include\s*"(broker|security|transport|store|config|observe|client|app)/' "$src/$dir"); then
    echo "layering: $dir may include only common/ and itself:"; echo "$hits"; status=1
  fi
done
# The broker declares the interfaces it needs (authenticator.hpp, authorizer.hpp, persistence.hpp); security,
# store and transport implement them, app joins them.
if [ -d "$src/broker" ] && hits=$(grep -rnE '#include\s*"(security|store|transport|app)/' "$src/broker"); then
  echo "layering: broker must not include security/, store/, transport/ or app/:"; echo "$hits"; status=1
fi
# The broker never holds payload keys (docs/payload-encryption.md): its side of the encrypted-topic policy
# is the key-less shape check in envelope.hpp; key files and keys belong to pub and sub.
if hits=$(grep -nE '#include\s*"security/payload/(key_file|payload_key)\.hpp"' "$src"/broker/* "$src"/app/serve*.* "$src"/config/* 2>/dev/null); then
  echo "layering: the broker must not read payload keys:"; echo "$hits"; status=1
fi
[ $status -eq 0 ] && echo "layering: ok"
exit $status
