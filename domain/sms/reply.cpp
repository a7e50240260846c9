#include "domain/sms/reply.hpp"

#include <array>
#include <utility>

namespace tropos::sms {

namespace {

/// UTF-8 characters dropped before matching: the typographic quotes that
/// phones substitute for ' and ", and the no-break space.
constexpr std::array<std::string_view, 5> ignored_sequences{
  "\u2018", "\u2019", "\u201C", "\u201D", "\u00A0"};

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
         || c == '\f';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_letter(char c) {
  return c >= 'a' && c <= 'z';
}

/// Lowercases ASCII letters and drops whitespace and quotes anywhere.
std::string normalize(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  std::size_t i = 0;
  while (i < body.size()) {
    char c = body[i];
    if (is_ascii_space(c) || c == '\'' || c == '"') {
      ++i;
      continue;
    }
    bool skipped = false;
    for (auto sequence : ignored_sequences) {
      if (body.substr(i).starts_with(sequence)) {
        i += sequence.size();
        skipped = true;
        break;
      }
    }
    if (skipped)
      continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    ++i;
  }
  return out;
}

/// Returns the responder verb for a word or letter ("a", "close"), if any.
std::optional<verb> responder_verb(std::string_view word) {
  if (word == "a" || word == "ack" || word == "acknowledge")
    return verb::acknowledge;
  if (word == "c" || word == "close" || word == "resolve")
    return verb::resolve;
  if (word == "e" || word == "esc" || word == "escalate")
    return verb::escalate;
  return std::nullopt;
}

/// Returns the keyword verb when the whole message is a carrier or help
/// keyword.
std::optional<verb> keyword_verb(std::string_view text) {
  for (std::string_view word :
       {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"}) {
    if (text == word)
      return verb::stop;
  }
  for (std::string_view word : {"start", "yes", "unstop"}) {
    if (text == word)
      return verb::start;
  }
  if (text == "help" || text == "info")
    return verb::help;
  return std::nullopt;
}

/// Splits off the leading run of characters that satisfy `predicate`.
template <class Predicate>
std::string_view take_while(std::string_view& text, Predicate predicate) {
  std::size_t count = 0;
  while (count < text.size() && predicate(text[count]))
    ++count;
  auto head = text.substr(0, count);
  text.remove_prefix(count);
  return head;
}

/// Converts 1 to `max_reply_digits` digits into a number.
std::optional<unsigned> to_number(std::string_view digits) {
  if (digits.empty() || digits.size() > max_reply_digits)
    return std::nullopt;
  unsigned value = 0;
  for (char c : digits)
    value = value * 10 + static_cast<unsigned>(c - '0');
  return value;
}

/// Parses "<n><verb>". Anything but a known verb after the number gives
/// help.
reply parse_number_first(std::string_view text) {
  auto number = to_number(take_while(text, is_digit));
  if (!number)
    return {verb::unknown, std::nullopt};
  if (auto v = responder_verb(text))
    return {*v, number};
  return {verb::help, number};
}

/// Parses "<verb>", "<verb><n>" and "<verb>#<n>".
reply parse_verb_first(std::string_view text) {
  auto v = responder_verb(take_while(text, is_letter));
  if (!v)
    return {verb::unknown, std::nullopt};
  if (text.empty())
    return {*v, std::nullopt};
  if (text.starts_with('#'))
    text.remove_prefix(1);
  auto digits = take_while(text, is_digit);
  auto number = to_number(digits);
  if (!number || !text.empty())
    return {verb::unknown, std::nullopt};
  return {*v, number};
}

} // namespace

reply parse_reply(std::string_view body) {
  auto text = normalize(body);
  if (auto keyword = keyword_verb(text))
    return {*keyword, std::nullopt};
  if (text.empty())
    return {verb::unknown, std::nullopt};
  if (is_digit(text.front()))
    return parse_number_first(text);
  return parse_verb_first(text);
}

std::string help_text() {
  return "Reply with the code from the page and a letter: 12a to "
         "acknowledge, 12c to resolve, 12e to escalate. ack alone acts on "
         "your latest page. STOP ends texts.";
}

} // namespace tropos::sms
