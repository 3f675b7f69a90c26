#include "config/config.hpp"

#include "config/enum_words.hpp"

namespace moatmq::config {

bool allow_anonymous(const Config& config, const ListenerConfig& listener)
{
    return listener.allow_anonymous.value_or(config.auth.allow_anonymous);
}

std::string_view to_string(ListenerProtocol value)
{
    return word_of(value);
}
std::string_view to_string(ClientCertMode value)
{
    return word_of(value);
}
std::string_view to_string(CertIdentity value)
{
    return word_of(value);
}
std::string_view to_string(TlsVersion value)
{
    return word_of(value);
}
std::string_view to_string(ScramMechanism value)
{
    return word_of(value);
}
std::string_view to_string(AclDefault value)
{
    return word_of(value);
}
std::string_view to_string(StoreSync value)
{
    return word_of(value);
}

}  // namespace moatmq::config
