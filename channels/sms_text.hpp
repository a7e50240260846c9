// Texts of outbound alert SMS and of the confirmations sent back after a
// reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tropos::channels {

/// The longest SMS body the provider accepts (Twilio Messages API: 1,600
/// characters).
inline constexpr std::size_t max_sms_length = 1600;

/// Renders an alert SMS such as
/// "Tropos: Alert #345: Disk full. Reply 12a to ack, 12c to close.".
/// The summary and app name are cleaned to one line. A long summary is cut
/// at a character boundary and marked with "..." so the body fits in
/// `max_sms_length` and the reply instructions always stay. Length is
/// counted in UTF-16 code units, which is never less than the code point
/// count, so characters outside the BMP cannot push the body over the limit
/// whichever way the provider counts.
std::string render_sms(std::string_view app_name, uint64_t incident_number,
                       std::string_view summary, unsigned reply_code);

/// Outcomes of an SMS reply that get a confirmation text.
enum class sms_reply {
  acknowledged,
  already_acknowledged,
  closed,
  already_closed,
};

/// Renders the confirmation for a reply that acted on (or found already
/// handled) incident `incident_number`, e.g. "Acknowledged alert #345.".
std::string render_sms_reply(sms_reply outcome, uint64_t incident_number);

/// Renders the text sent back for a reply whose code matches no open
/// incident, e.g. "Unknown reply code 13.".
std::string render_unknown_reply_code(unsigned reply_code);

/// Returns the length of `text` in UTF-16 code units: 2 for a code point
/// above U+FFFF and 1 for any other, counting each invalid byte as 1.
std::size_t count_utf16_units(std::string_view text) noexcept;

} // namespace tropos::channels
