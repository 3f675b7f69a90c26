#pragma once
// Result<T>: the return type of everything that parses hostile input (codec, config, credential files,
// store records). Its error is Boost's error_code, the same type Asio reports, so the transport treats
// I/O errors and protocol errors alike.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace moatmq {

using boost::system::error_code;

template <class T>
using Result = boost::system::result<T, error_code>;

}  // namespace moatmq
