#include "domain/routing/matcher.hpp"

#include "domain/error.hpp"

#include <algorithm>

namespace tropos::routing {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

// A label name ends at a space, a quote or an operator character.
bool ends_name(char c) {
  return is_space(c) || c == '=' || c == '!' || c == '~' || c == '"';
}

caf::error invalid(std::string_view text, std::string_view problem) {
  return make_error(ec::invalid_argument, "invalid matcher " + std::string{text}
                                            + ": " + std::string{problem});
}

// Reads the quoted value at the start of `rest`, unescaping \", \\ and \n.
// Any other backslash stays, so regex escapes like \. and \d pass through.
caf::expected<std::string> read_quoted(std::string_view text,
                                       std::string_view rest) {
  if (rest.empty() || rest.front() != '"')
    return invalid(text, "expected a value in double quotes after the operator");
  std::string value;
  size_t i = 1;
  for (; i < rest.size(); ++i) {
    char c = rest[i];
    if (c == '"')
      break;
    if (c != '\\' || i + 1 == rest.size()) {
      value += c;
      continue;
    }
    char next = rest[++i];
    if (next == '"' || next == '\\')
      value += next;
    else if (next == 'n')
      value += '\n';
    else
      value += {'\\', next};
  }
  if (i == rest.size())
    return invalid(text, "the value has no closing quote");
  if (!trim(rest.substr(i + 1)).empty())
    return invalid(text, "unexpected text after the closing quote (escape "
                         "quotes inside the value as \\\")");
  return value;
}

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '"' || c == '\\')
      out += {'\\', c};
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

} // namespace

std::string_view to_string(match_op op) noexcept {
  switch (op) {
    case match_op::equal: return "=";
    case match_op::not_equal: return "!=";
    case match_op::regex: return "=~";
    case match_op::not_regex: return "!~";
  }
  return "?";
}

bool matcher::matches(const label_set& labels) const {
  static const std::string empty;
  auto found = labels.find(name);
  const auto& actual = found == labels.end() ? empty : found->second;
  bool is_regex = op == match_op::regex || op == match_op::not_regex;
  if (is_regex && actual.size() > max_regex_input)
    return false;
  switch (op) {
    case match_op::equal: return actual == value;
    case match_op::not_equal: return actual != value;
    case match_op::regex: return std::regex_match(actual, *pattern);
    case match_op::not_regex: return !std::regex_match(actual, *pattern);
  }
  return false;
}

caf::expected<matcher> parse_matcher(std::string_view text) {
  auto rest = trim(text);
  text = rest;
  if (text.empty())
    return make_error(ec::invalid_argument, "invalid matcher: the text is empty");

  // The label name runs up to the operator.
  auto name_end = std::find_if(rest.begin(), rest.end(), ends_name);
  matcher result;
  result.name.assign(rest.begin(), name_end);
  if (result.name.empty())
    return invalid(text, "missing label name before the operator");
  rest = trim(rest.substr(result.name.size()));

  // Longer operators first, so "=~" is not read as "=" and a value "~...".
  bool found_op = false;
  for (auto op : {match_op::not_equal, match_op::not_regex, match_op::regex,
                  match_op::equal}) {
    if (rest.starts_with(to_string(op))) {
      result.op = op;
      rest = trim(rest.substr(to_string(op).size()));
      found_op = true;
      break;
    }
  }
  if (!found_op)
    return invalid(text, "expected =, !=, =~ or !~ after the label name");

  auto value = read_quoted(text, rest);
  if (!value)
    return value.error();
  result.value = std::move(*value);

  // Compile once here; std::regex reports syntax errors only by throwing.
  if (result.op == match_op::regex || result.op == match_op::not_regex) {
    try {
      result.pattern = std::make_shared<const std::regex>(
        result.value, std::regex::ECMAScript);
    } catch (const std::regex_error& err) {
      // libstdc++'s own text is more precise than the error code, which
      // it sets to error_paren for a leading '*', for example.
      return invalid(text, std::string{"invalid regular expression: "}
                             + err.what());
    }
  }
  return result;
}

std::string to_string(const matcher& m) {
  std::string out = m.name;
  out += to_string(m.op);
  out += '"';
  append_escaped(out, m.value);
  out += '"';
  return out;
}

bool matches(const std::vector<matcher>& matchers, const label_set& labels) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const matcher& m) { return m.matches(labels); });
}

} // namespace tropos::routing
