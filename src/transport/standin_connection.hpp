#pragma once
// StandInConnection: a stand-in for the broker core until src/broker's Broker is wired in. It answers
// CONNECT with CONNACK, PINGREQ with PINGRESP, acknowledges PUBLISH (and drops the message: nothing is
// routed), and closes on DISCONNECT or a malformed packet. Delete it when the Broker is wired in.
#include <memory>

#include "broker/client_link.hpp"
#include "broker/connection.hpp"
#include "common/clock.hpp"

namespace moatmq::transport {

std::unique_ptr<broker::Connection> make_standin_connection(broker::ConnectionInfo info,
                                                            std::shared_ptr<broker::ClientLink> link,
                                                            const Clock& clock);

}  // namespace moatmq::transport
