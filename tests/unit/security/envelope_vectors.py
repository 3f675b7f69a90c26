#!/usr/bin/env python3
"""Recomputes the envelope test vectors of envelope_test.cpp with an implementation that is not ours
(Python's `cryptography` package: AESGCM, ChaCha20Poly1305) from the layout in
docs/payload-encryption.md, and checks that every one appears, byte for byte, in the C++ file.

    envelope_vectors.py                      print the vectors
    envelope_vectors.py --check FILE.cpp     exit 0 if FILE.cpp holds them all, 1 if not,
                                             77 (skipped) without the `cryptography` package
"""
import re
import sys

try:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
except ImportError:
    print("python3 cryptography package not installed: vectors not checked", file=sys.stderr)
    sys.exit(77)

KEY = bytes(range(0x00, 0x20))      # 00 01 .. 1f
KEY_ID = bytes(range(0x01, 0x09))   # 01 .. 08
NONCE = bytes(range(0xA0, 0xAC))    # a0 .. ab
ALGORITHMS = ((0x01, AESGCM), (0x02, ChaCha20Poly1305))
CASES = (("secure/test", b"hello, moatmq", 1_700_000_000_000), ("", b"", 0))


def vectors():
    for algorithm, aead in ALGORITHMS:
        for topic, plaintext, timestamp_ms in CASES:
            header = bytes([0x01, algorithm]) + KEY_ID + NONCE + timestamp_ms.to_bytes(8, "big")
            # Associated data: the 30 header bytes, then the topic's UTF-8 bytes.
            sealed = aead(KEY).encrypt(NONCE, plaintext, header + topic.encode())  # ciphertext || tag
            yield (header + sealed).hex()


def main(argv):
    computed = list(vectors())
    if len(argv) == 3 and argv[1] == "--check":
        with open(argv[2], encoding="utf-8") as f:
            source = f.read()
        # Adjacent string literals (clang-format splits long ones) are one string.
        joined = re.sub(r'"\s*"', "", source)
        missing = [v for v in computed if '"' + v + '"' not in joined]
        for v in missing:
            print("vector not in " + argv[2] + ": " + v, file=sys.stderr)
        print("%d of %d vectors match" % (len(computed) - len(missing), len(computed)))
        return 1 if missing else 0
    for v in computed:
        print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
