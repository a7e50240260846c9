// UTF-8 helpers shared by the message renderers. Text from alerts is outside
// input, so every renderer first repairs it with `repair_utf8` and then walks
// it by code point.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tropos::channels {

/// The code point that replaces an invalid byte sequence.
inline constexpr char32_t replacement_character = U'\uFFFD';

/// Decodes the code point that starts at `pos` and advances `pos` past it.
/// An invalid or truncated sequence yields U+FFFD and advances one byte.
/// Precondition: `pos < text.size()`.
char32_t decode_next(std::string_view text, std::size_t& pos) noexcept;

/// Appends the UTF-8 encoding of `code_point` to `out`.
void append_utf8(std::string& out, char32_t code_point);

/// Returns `text` with every invalid byte sequence replaced by U+FFFD.
std::string repair_utf8(std::string_view text);

/// Returns the number of code points in `text`, counting each invalid byte
/// as one.
std::size_t count_code_points(std::string_view text) noexcept;

/// Returns true for C0 and C1 control characters, DEL and the Unicode line
/// and paragraph separators: the characters that must not reach a header or
/// an SMS body as they are.
bool is_control(char32_t code_point) noexcept;

/// Returns `text` repaired, with control characters and line breaks turned
/// into spaces, runs of whitespace collapsed into one space and the ends
/// trimmed.
std::string clean_single_line(std::string_view text);

} // namespace tropos::channels
