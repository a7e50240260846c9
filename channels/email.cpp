#include "channels/email.hpp"

#include "channels/utf8.hpp"
#include "domain/error.hpp"

#include <array>
#include <cstdint>
#include <random>

namespace tropos::channels {

namespace {

// RFC 5322 recommends header lines of at most 78 characters; RFC 2047
// limits an encoded-word to 75.
constexpr std::size_t max_line_length = 78;
constexpr std::size_t max_encoded_word_length = 75;

// "=?UTF-8?B?" and "?=" around the base64 text of an encoded-word.
constexpr std::string_view encoded_word_prefix = "=?UTF-8?B?";
constexpr std::string_view encoded_word_suffix = "?=";
constexpr std::size_t encoded_word_overhead = 12;

// RFC 2045 limits base64 body lines to 76 characters.
constexpr std::size_t base64_line_length = 76;

bool is_printable_ascii(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F)
      return false;
  }
  return true;
}

// RFC 5322 atext plus space: a display name made only of these needs no
// quoting.
bool is_plain_phrase(std::string_view text) {
  constexpr std::string_view specials = "()<>[]:;@\\,.\"";
  for (char c : text)
    if (specials.find(c) != std::string_view::npos)
      return false;
  return is_printable_ascii(text);
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  return text;
}

// Writes one header field token by token and folds before a token that
// would take the line past `max_line_length`.
class header_writer {
public:
  explicit header_writer(std::string& out) : out_(out) {
  }

  void start(std::string_view name) {
    out_ += name;
    out_ += ':';
    line_length_ = name.size() + 1;
  }

  // Room left for a token on the current line after its separating space.
  std::size_t room() const {
    auto used = line_length_ + 1;
    return used >= max_line_length ? 0 : max_line_length - used;
  }

  void fold() {
    out_ += "\r\n";
    line_length_ = 0;
  }

  void add(std::string_view token) {
    if (token.size() > room() && line_length_ > 1)
      fold();
    out_ += ' ';
    out_ += token;
    line_length_ += 1 + token.size();
  }

  void finish() {
    out_ += "\r\n";
  }

private:
  std::string& out_;
  std::size_t line_length_ = 0;
};

// Adds `text` (valid UTF-8) as a run of encoded-words. Each word takes as
// many whole characters as fit in the room left on its line, so no word
// exceeds 75 characters and no line exceeds 78. Decoders drop the folding
// whitespace between adjacent encoded-words, so spaces inside `text` are
// encoded too and survive.
void add_encoded_words(header_writer& writer, std::string_view text) {
  // Below this room a word could not carry a 4-byte character.
  constexpr std::size_t min_word_length = encoded_word_overhead + 8;

  std::size_t pos = 0;
  while (pos < text.size()) {
    if (writer.room() < min_word_length)
      writer.fold();
    auto word_length = std::min(writer.room(), max_encoded_word_length);
    auto max_bytes = (word_length - encoded_word_overhead) / 4 * 3;

    std::size_t end = pos;
    while (end < text.size()) {
      std::size_t next = end;
      decode_next(text, next);
      if (next - pos > max_bytes)
        break;
      end = next;
    }

    std::string word{encoded_word_prefix};
    word += encode_base64(text.substr(pos, end - pos));
    word += encoded_word_suffix;
    writer.add(word);
    pos = end;
  }
}

// Adds free text: as plain words when it is printable ASCII that folds at
// spaces within the line limit and cannot be mistaken for an encoded-word,
// otherwise as encoded-words.
void add_text(header_writer& writer, std::string_view text) {
  bool plain = is_printable_ascii(text)
               && text.find("=?") == std::string_view::npos;
  std::size_t start = 0;
  while (plain && start <= text.size()) {
    auto space = text.find(' ', start);
    auto word_end = space == std::string_view::npos ? text.size() : space;
    if (word_end - start > max_line_length - 1)
      plain = false;
    start = word_end + 1;
  }
  if (!plain) {
    add_encoded_words(writer, text);
    return;
  }

  start = 0;
  while (start < text.size()) {
    auto space = text.find(' ', start);
    auto word_end = space == std::string_view::npos ? text.size() : space;
    writer.add(text.substr(start, word_end - start));
    start = word_end + 1;
  }
}

// Adds a display name: as it is when it needs no quoting, as a quoted
// string when it is ASCII, and as encoded-words otherwise.
void add_display_name(header_writer& writer, std::string_view name) {
  if (is_plain_phrase(name)) {
    add_text(writer, name);
    return;
  }
  if (!is_printable_ascii(name)) {
    add_encoded_words(writer, name);
    return;
  }
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\')
      quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  writer.add(quoted);
}

// Returns the content of an RFC 5322 quoted string with its quoted-pairs
// ("\\x") resolved. Precondition: `quoted` starts and ends with '"'.
std::string unquote(std::string_view quoted) {
  std::string out;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 2 < quoted.size())
      ++i;
    out += quoted[i];
  }
  return out;
}

// Splits `from_header` into display name and address. The display name is
// empty for a bare address.
caf::error split_mailbox(std::string_view from_header, std::string& name,
                         std::string& address) {
  for (char c : from_header) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F)
      return make_error(ec::invalid_argument,
                        "from_header contains a control character");
  }

  auto value = trim(from_header);
  auto open = value.rfind('<');
  if (open == std::string_view::npos) {
    name.clear();
    address = std::string{value};
  } else {
    if (value.back() != '>')
      return make_error(ec::invalid_argument,
                        "from_header must end with '>' after the '<' that "
                        "opens the address");
    name = std::string{trim(value.substr(0, open))};
    address = std::string{value.substr(open + 1, value.size() - open - 2)};
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
      name = unquote(name);
  }
  return validate_address("from_header", address);
}

caf::error validate_message_id(std::string_view message_id) {
  auto at = message_id.find('@');
  bool shaped = at != std::string_view::npos && at > 0
                && at + 1 < message_id.size();
  bool clean = is_printable_ascii(message_id)
               && message_id.find_first_of(" <>\"\\") == std::string_view::npos;
  if (!shaped || !clean)
    return make_error(ec::invalid_argument,
                      "message_id must be printable ASCII of the form "
                      "left@right without spaces, quotes or angle brackets");
  return {};
}

// Converts every line break (CRLF, lone CR or lone LF) to CRLF, as SMTP
// requires.
std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string encode_body(std::string_view body_text) {
  auto encoded = encode_base64(to_crlf(repair_utf8(body_text)));
  std::string out;
  out.reserve(encoded.size() + encoded.size() / base64_line_length * 2 + 2);
  for (std::size_t pos = 0; pos < encoded.size(); pos += base64_line_length) {
    out += encoded.substr(pos, base64_line_length);
    out += "\r\n";
  }
  return out;
}

} // namespace

std::string encode_base64(std::string_view data) {
  constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "abcdefghijklmnopqrstuvwxyz"
                                        "0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t group = static_cast<uint8_t>(data[i]) << 16
                     | static_cast<uint8_t>(data[i + 1]) << 8
                     | static_cast<uint8_t>(data[i + 2]);
    out += alphabet[(group >> 18) & 0x3F];
    out += alphabet[(group >> 12) & 0x3F];
    out += alphabet[(group >> 6) & 0x3F];
    out += alphabet[group & 0x3F];
  }
  auto rest = data.size() - i;
  if (rest == 0)
    return out;

  uint32_t group = static_cast<uint8_t>(data[i]) << 16;
  if (rest == 2)
    group |= static_cast<uint8_t>(data[i + 1]) << 8;
  out += alphabet[(group >> 18) & 0x3F];
  out += alphabet[(group >> 12) & 0x3F];
  out += rest == 2 ? alphabet[(group >> 6) & 0x3F] : '=';
  out += '=';
  return out;
}

caf::error validate_address(std::string_view field, std::string_view address) {
  auto fail = [&](std::string_view problem) {
    return make_error(ec::invalid_argument,
                      std::string{field} + " " + std::string{problem});
  };
  if (address.empty())
    return fail("is empty");
  if (!is_printable_ascii(address))
    return fail("must be printable ASCII without CR, LF or other control "
                "characters");
  if (address.find_first_of(" <>,;\"\\") != std::string_view::npos)
    return fail("must not contain spaces, '<', '>', ',', ';', quotes or "
                "backslashes");

  auto at = address.find('@');
  if (at == std::string_view::npos)
    return fail("is missing the '@' between local part and domain");
  if (address.find('@', at + 1) != std::string_view::npos)
    return fail("contains more than one '@'");
  if (at == 0 || at + 1 == address.size())
    return fail("needs a local part before and a domain after the '@'");
  return {};
}

caf::expected<std::string> sender_address(std::string_view from_header) {
  std::string name;
  std::string address;
  if (auto err = split_mailbox(from_header, name, address))
    return err;
  return address;
}

caf::error validate_mail_request(const mail_request& mail) {
  std::string name;
  std::string address;
  if (auto err = split_mailbox(mail.from_header, name, address))
    return err;
  if (auto err = validate_address("to_address", mail.to_address))
    return err;
  if (mail.url.empty())
    return make_error(ec::invalid_argument, "url is empty");
  return {};
}

std::string make_message_id(std::string_view domain) {
  std::random_device device;
  std::array<uint32_t, 4> words{};
  for (auto& word : words)
    word = device();

  constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (auto word : words)
    for (int shift = 28; shift >= 0; shift -= 4)
      out += hex[(word >> shift) & 0xF];
  out += '@';
  out += domain;
  return out;
}

caf::expected<std::string> build_message(const mail_request& mail,
                                         date::sys_seconds now,
                                         std::string_view message_id) {
  // Validation first: every value below that goes into a header verbatim
  // has passed it.
  std::string display_name;
  std::string from_address;
  if (auto err = split_mailbox(mail.from_header, display_name, from_address))
    return err;
  if (auto err = validate_address("to_address", mail.to_address))
    return err;
  if (auto err = validate_message_id(message_id))
    return err;

  std::string out;
  header_writer writer{out};
  out += "Date: " + date::format("%a, %d %b %Y %H:%M:%S +0000", now) + "\r\n";

  writer.start("From");
  auto name = clean_single_line(display_name);
  if (!name.empty())
    add_display_name(writer, name);
  writer.add("<" + from_address + ">");
  writer.finish();

  out += "To: " + mail.to_address + "\r\n";

  writer.start("Subject");
  add_text(writer, clean_single_line(mail.subject));
  writer.finish();

  out += "Message-ID: <" + std::string{message_id} + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  // RFC 3834: marks the mail as machine-sent so responders' auto-replies
  // (vacation notices) are not sent back.
  out += "Auto-Submitted: auto-generated\r\n";
  out += "\r\n";
  out += encode_body(mail.body_text);
  return out;
}

} // namespace tropos::channels
