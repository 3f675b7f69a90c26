#pragma once
// Authorizer: what may this client touch? Declared here, in the broker, because the broker is what asks;
// security/authz implements it (AclAuthorizer, Mosquitto acl_file rules) and the app wires it into
// BrokerOptions::authorizer. Null there: no ACL, every topic is open (clients still never publish to $SYS).
//
// Three questions, asked at three places:
//   may_publish(topic)    a PUBLISH from the client, before it is routed or retained; a will, when it would
//                         be published (BrokerCore::publish_will)
//   may_subscribe(filter) each filter of a SUBSCRIBE (the filter part of "$share/{group}/{filter}")
//   may_receive(topic)    every message, when it is about to be sent to the client (ClientConnection::drain
//                         and the resend of in-flight messages): whatever route it took — wildcard or
//                         shared subscription, retained message, offline queue filled before the rules
//                         changed — nothing forbidden reaches the client.
//
// Threads: Authorizer is thread-safe. A ClientPermissions belongs to one connection and is used on that
// connection's worker thread only; it may cache decisions, and must notice a reload of the rules by itself
// (the rules apply to existing connections at once).
#include <memory>
#include <string>
#include <string_view>

namespace moatmq::broker {

struct ClientIdentity {
    std::string
        username;  // the authenticated identity (user name, certificate or PSK identity); "" = anonymous
    std::string client_id;       // never empty (the broker assigns one first)
    std::string listener;        // for the audit log; may be empty (a will published after the connection)
    std::string remote_address;  // for the audit log; may be empty
};

class ClientPermissions {
public:
    virtual ~ClientPermissions() = default;
    // `topic`: a valid topic name. Denials are reported (audit log) by the implementation.
    virtual bool may_publish(std::string_view topic) = 0;
    // `filter`: a valid, non-shared topic filter.
    virtual bool may_subscribe(std::string_view filter) = 0;
    virtual bool may_receive(std::string_view topic) = 0;
};

class Authorizer {
public:
    virtual ~Authorizer() = default;
    virtual std::unique_ptr<ClientPermissions> permissions_for(ClientIdentity identity) const = 0;
};

}  // namespace moatmq::broker
