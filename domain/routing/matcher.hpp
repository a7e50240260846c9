// Label matchers in the syntax of Prometheus and Alertmanager:
// `name="value"`, `name!="value"`, `name=~"regex"` and `name!~"regex"`.
// Routing rules and silences select alerts with them.
#pragma once

#include <caf/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace tropos::routing {

/// The labels of one alert, by name.
using label_set = std::map<std::string, std::string>;

enum class match_op : uint8_t { equal, not_equal, regex, not_regex };

/// Returns "=", "!=", "=~" or "!~".
std::string_view to_string(match_op op) noexcept;

/// Maximum length, in bytes, of a label value that =~ and !~ examine.
/// libstdc++'s std::regex recurses once per input character: with g++ 12 at
/// -O0 on an 8 MiB stack, `((a|b)|(c|a))*` matched a 4096-byte value and
/// crashed on an 8192-byte one. Label values come from outside senders, so
/// longer values are not matched at all.
inline constexpr std::size_t max_regex_input = 1024;

/// One condition on one label. A label that the alert lacks counts as "".
/// A value longer than `max_regex_input` satisfies neither =~ nor !~, so
/// such an alert is neither silenced nor routed by a regex matcher.
struct matcher {
  std::string name;
  match_op op = match_op::equal;
  /// The value after unescaping, or the regex source for =~ and !~.
  std::string value;
  /// The compiled regex for =~ and !~, null otherwise. Shared because a
  /// compiled std::regex is large and the resource set is copied on apply.
  std::shared_ptr<const std::regex> pattern;

  /// Returns whether the label `name` in `labels` satisfies the condition.
  bool matches(const label_set& labels) const;
};

/// Parses `name="value"`, with optional spaces around the operator. Inside
/// the quotes, `\"` is a quote, `\\` a backslash and `\n` a newline. Any
/// other backslash is kept as written, so regexes such as `a\.b` need no
/// doubling. Regexes are ECMAScript and must match the whole value. The
/// error names the matcher text and what is wrong with it.
caf::expected<matcher> parse_matcher(std::string_view text);

/// Formats a matcher back into the text that `parse_matcher` reads.
std::string to_string(const matcher& m);

/// Returns whether every matcher matches `labels`. An empty list matches
/// every alert.
bool matches(const std::vector<matcher>& matchers, const label_set& labels);

} // namespace tropos::routing
