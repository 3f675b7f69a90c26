// StreamDecoder: one connection's partial packet. Bytes are appended as they arrive; next() decodes
// from the first unconsumed byte. The buffer is compacted lazily (only when what was consumed is at
// least half of it) so that a read holding many packets costs one copy, not one per packet.
#include "codec/decoder.hpp"

namespace moatmq::codec {

void StreamDecoder::feed(ByteView bytes)
{
    if (consumed_ == buffer_.size()) {
        buffer_.clear();
        consumed_ = 0;
    } else if (consumed_ != 0 && consumed_ >= buffer_.size() / 2) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        consumed_ = 0;
    }
    // Limits before allocation: while the pending packet's fixed header is incomplete, take the bytes
    // one at a time until it is; if it announces a packet over max_packet_size, keep no more than the
    // header, so that next() reports packet_too_large and nothing of the body is ever stored.
    for (;;) {
        const auto header =
            decode_fixed_header({buffer_.data() + consumed_, buffer_.size() - consumed_}, options_);
        if (!header && !is_need_more(header.error())) return;  // refused: keep nothing more
        if (header || bytes.empty()) break;
        buffer_.push_back(bytes.front());
        bytes = bytes.subspan(1);
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void StreamDecoder::lend(ByteView bytes)
{
    if (!lent_.empty()) {  // not kept yet: behind what is lent, by copy
        keep_lent();
        feed(bytes);
        return;
    }
    if (buffer_.size() != consumed_) {
        // A packet begun in an earlier read: copy just what completes it, lend the rest. While its
        // header is incomplete (or refused), all of it goes through feed() and its limits.
        const auto header =
            decode_fixed_header({buffer_.data() + consumed_, buffer_.size() - consumed_}, options_);
        const std::size_t have = buffer_.size() - consumed_;
        if (!header || header->packet_size() <= have || header->packet_size() - have >= bytes.size()) {
            feed(bytes);
            return;
        }
        const std::size_t need = header->packet_size() - have;
        feed(bytes.first(need));
        bytes = bytes.subspan(need);
    }
    lent_ = bytes;
}

void StreamDecoder::keep_lent()
{
    const ByteView rest = lent_;
    lent_ = {};
    if (!rest.empty()) feed(rest);
}

Result<std::optional<Packet>> StreamDecoder::next()
{
    const ByteView bytes = pending();
    if (bytes.empty()) return std::optional<Packet>{};
    auto decoded = decode(bytes, options_);
    if (!decoded) {
        if (is_need_more(decoded.error())) return std::optional<Packet>{};
        return decoded.error();
    }
    skip(decoded->consumed);
    return std::optional<Packet>{std::move(decoded->packet)};
}

void StreamDecoder::skip(std::size_t n) noexcept
{
    if (buffer_.size() == consumed_) {
        lent_ = lent_.subspan(n);
        return;
    }
    consumed_ += n;
    if (consumed_ == buffer_.size()) {
        buffer_.clear();
        consumed_ = 0;
    }
}

void StreamDecoder::shrink() noexcept
{
    if (consumed_ == buffer_.size() && lent_.empty()) {
        Bytes{}.swap(buffer_);
        consumed_ = 0;
    }
}

}  // namespace moatmq::codec
