#pragma once
// SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as the client's MQTT 5 enhanced authentication
// (client::Authenticator): client-first in CONNECT, client-final in answer to the broker's AUTH, and the
// broker's signature in CONNACK verified before connect() succeeds. The password never crosses the
// network. `moatmq pub/sub --scram sha256|sha512` use it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client/client.hpp"

namespace moatmq::client {

// "sha256" or "sha512" (as --scram takes them); nullptr for anything else. The password is copied into
// a Secret (wiped when the authenticator goes).
std::shared_ptr<Authenticator> make_scram_authenticator(std::string_view mechanism, std::string username,
                                                        std::string_view password);

}  // namespace moatmq::client
