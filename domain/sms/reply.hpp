// Commands that responders send back by SMS ("12a", "ack 12", "STOP").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tropos::sms {

/// The command in a reply.
enum class verb : uint8_t {
  acknowledge,
  resolve,
  escalate,
  /// Opt out of SMS to this number (carrier keywords such as STOP).
  stop,
  /// Opt back in (START, YES, UNSTOP).
  start,
  /// Send the list of valid replies. Also the result for a malformed
  /// command such as "12x".
  help,
  /// Not a command at all, and never an opt-out.
  unknown,
};

/// A parsed SMS reply.
struct reply {
  /// The command.
  verb v = verb::unknown;
  /// The code or incident number in the reply, if any. The caller reads
  /// it first as a reply code active for the sender's number, then as the
  /// number of an incident paged to that number.
  std::optional<unsigned> number;
};

/// Maximum number of digits in a reply code or incident number.
inline constexpr std::size_t max_reply_digits = 9;

/// Parses an inbound SMS body. Case does not matter, and whitespace and
/// quotes (' " and the typographic ‘ ’ “ ”) are ignored wherever they are,
/// so "12a", "12 A", "'12a'" and "  12a\n" all acknowledge 12.
///
/// - "<n>a", "<n>c", "<n>e": acknowledge, resolve, escalate n. The letter
///   may also be the word (ack, acknowledge, close, resolve, esc, escalate).
/// - "ack", "a", "acknowledge" and likewise for close/resolve and escalate,
///   optionally followed by a number or "#" and a number.
/// - "<n>" alone or with another letter ("12x"): help, with the number.
/// - Whole message STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT: stop.
/// - Whole message START, YES, UNSTOP: start.
/// - Whole message HELP, INFO: help.
/// - Anything else, numbers over `max_reply_digits` digits included:
///   unknown. "please stop" is unknown, not an opt-out.
reply parse_reply(std::string_view body);

/// Returns the help message listing the valid replies. It fits one
/// 160-character SMS segment.
std::string help_text();

} // namespace tropos::sms
