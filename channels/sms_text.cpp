#include "channels/sms_text.hpp"

#include "channels/utf8.hpp"

namespace tropos::channels {

namespace {

// Maximum length of the app name in the prefix, so a misconfigured name
// cannot use up the room of the summary.
constexpr std::size_t max_app_name_length = 40;

// Three ASCII dots rather than U+2026, because U+2026 is outside the GSM-7
// alphabet and would force the whole message into UCS-2, which halves the
// characters per segment.
constexpr std::string_view ellipsis = "...";

std::size_t utf16_units(char32_t code_point) noexcept {
  return code_point > 0xFFFF ? 2 : 1;
}

// Returns the longest prefix of `text` (valid UTF-8) that takes at most
// `budget` UTF-16 code units.
std::string_view prefix_within(std::string_view text, std::size_t budget) {
  std::size_t used = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t next = pos;
    char32_t code_point = decode_next(text, next);
    if (used + utf16_units(code_point) > budget)
      break;
    used += utf16_units(code_point);
    pos = next;
  }
  return text.substr(0, pos);
}

// Cuts `text` to at most `budget` code units ending in the ellipsis, and
// drops the spaces that would stand before the ellipsis.
std::string cut_with_ellipsis(std::string_view text, std::size_t budget) {
  if (budget < ellipsis.size())
    return std::string{prefix_within(ellipsis, budget)};
  std::string_view shown = prefix_within(text, budget - ellipsis.size());
  while (!shown.empty() && shown.back() == ' ')
    shown.remove_suffix(1);
  std::string out{shown};
  out += ellipsis;
  return out;
}

// Returns `text` when it fits in `budget` code units, otherwise cuts it.
std::string shorten(std::string_view text, std::size_t budget) {
  if (count_utf16_units(text) <= budget)
    return std::string{text};
  return cut_with_ellipsis(text, budget);
}

} // namespace

std::size_t count_utf16_units(std::string_view text) noexcept {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < text.size())
    count += utf16_units(decode_next(text, pos));
  return count;
}

std::string render_sms(std::string_view app_name, uint64_t incident_number,
                       std::string_view summary, unsigned reply_code) {
  std::string app = shorten(clean_single_line(app_name), max_app_name_length);
  std::string prefix = app.empty() ? std::string{} : app + ": ";
  prefix += "Alert #" + std::to_string(incident_number);

  auto code = std::to_string(reply_code);
  std::string instructions = "Reply " + code + "a to ack, " + code
                             + "c to close.";

  // A trailing period of the summary would double the one that ends it.
  std::string text = clean_single_line(summary);
  while (!text.empty() && (text.back() == '.' || text.back() == ' '))
    text.pop_back();
  if (text.empty())
    return prefix + ". " + instructions;

  // The prefix and instructions are bounded (app name capped, numbers at
  // most 20 digits), so the room left for the summary stays large.
  std::string head = prefix + ": ";
  std::size_t fixed = count_utf16_units(head) + count_utf16_units(instructions);
  if (fixed + count_utf16_units(text) + 2 <= max_sms_length)
    return head + text + ". " + instructions;

  // After a cut the ellipsis ends the sentence, so one space separates it
  // from the instructions.
  return head + cut_with_ellipsis(text, max_sms_length - fixed - 1) + " "
         + instructions;
}

std::string render_sms_reply(sms_reply outcome, uint64_t incident_number) {
  auto number = std::to_string(incident_number);
  switch (outcome) {
    case sms_reply::acknowledged:
      return "Acknowledged alert #" + number + ".";
    case sms_reply::already_acknowledged:
      return "Alert #" + number + " is already acknowledged.";
    case sms_reply::closed:
      return "Closed alert #" + number + ".";
    case sms_reply::already_closed:
      return "Alert #" + number + " is already closed.";
  }
  return "Alert #" + number + ".";
}

std::string render_unknown_reply_code(unsigned reply_code) {
  return "Unknown reply code " + std::to_string(reply_code) + ".";
}

} // namespace tropos::channels
