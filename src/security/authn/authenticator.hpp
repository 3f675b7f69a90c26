#pragma once
// The authentication contract lives with the broker, which asks the question (broker/authenticator.hpp:
// AuthRequest, AuthDecision, AuthConversation, Authenticator). security/authn implements it
// (PasswordAuthenticator); these names are re-exported so that the authn code reads as before.
#include "broker/authenticator.hpp"
#include "security/authn/secret.hpp"

namespace moatmq::security::authn {

using broker::AuthConversation;
using broker::AuthDecision;
using broker::Authenticator;
using broker::AuthMethod;
using broker::AuthReason;
using broker::AuthRequest;
using broker::to_string;
using broker::v311_return_code;

}  // namespace moatmq::security::authn
