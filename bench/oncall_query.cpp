// Measures the latency and rate of `tropos::schedule::on_call` and
// `tropos::schedule::shifts` over many schedules in memory, on one thread,
// with no actors and no I/O.
//
// Every schedule gets a team of 4-8 users, a zone drawn from `zone_names`,
// five overrides and three layers, in this order:
//   weekly    1-week shifts from a Monday 09:00 local before the window
//   hourly    6, 8 or 12-hour shifts in a zone of its own, starting at a
//             random instant inside the window (a layer added later)
//   daily     1-day shifts, restricted to Monday-Friday 08:00-18:00 local
// A query walks the layers from the last one back, so outside business
// hours it falls through to the hourly layer, and before the hourly layer
// starts to the weekly one. Each layer therefore decides some queries.
//
// Query instants are uniform over a 2-year window starting 2025-01-01 UTC
// and spread over all schedules. The seed is printed, and --seed repeats
// the same schedules and queries. The results go to stdout as a Markdown
// table.
#include "domain/error.hpp"
#include "domain/schedule/rotation.hpp"
#include "domain/schedule/schedule.hpp"
#include "domain/schedule/time_window.hpp"

#include <date/date.h>
#include <time.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace sched = tropos::schedule;
using steady = std::chrono::steady_clock;
using sched::sys_seconds;

constexpr std::array<std::string_view, 12> zone_names{
  "America/Chicago",  "America/New_York",   "America/Los_Angeles",
  "America/Sao_Paulo", "Europe/London",     "Europe/Berlin",
  "Asia/Kolkata",     "Asia/Tokyo",         "Australia/Sydney",
  "Pacific/Auckland", "Africa/Johannesburg", "UTC",
};

/// Start of the span that queries and overrides fall into.
constexpr sys_seconds window_start{date::sys_days{date::year{2025} / 1 / 1}};
constexpr date::days window_length{730};

/// Users that overrides bring in from outside a schedule's team.
constexpr int stand_in_users = 1000;

struct options {
  std::size_t schedules = 10'000;
  std::size_t queries = 100'000;
  /// Schedules whose `shifts` over 7 days are timed.
  std::size_t shift_schedules = 1'000;
  std::optional<uint64_t> seed;
};

void print_usage() {
  std::cerr <<
    "usage: oncall_query [options]\n"
    "  --schedules N        schedules built in memory (default 10000)\n"
    "  --queries N          on_call queries at random instants (default 100000)\n"
    "  --shift-schedules N  schedules whose shifts() over 7 days are timed\n"
    "                       (default 1000, at most --schedules)\n"
    "  --seed S             seed of the random generator (default: random,\n"
    "                       printed so that a run can be repeated)\n"
    "  --short              1000 schedules, 10000 queries, 100 shifts() calls\n"
    "                       (CI smoke test)\n";
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), out);
  return err == std::errc{} && end == text.data() + text.size();
}

// Parses the command line into `out`. Returns an error message, an empty
// one for --help, or nothing.
std::optional<std::string> parse_options(int argc, char** argv, options& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view name = argv[i];
    if (name == "--help" || name == "-h")
      return std::string{};
    if (name == "--short") {
      out.schedules = 1'000;
      out.queries = 10'000;
      out.shift_schedules = 100;
      continue;
    }
    if (name != "--schedules" && name != "--queries"
        && name != "--shift-schedules" && name != "--seed")
      return "unknown option " + std::string{name};
    if (i + 1 >= argc)
      return "missing value after " + std::string{name};
    std::string_view value = argv[++i];
    bool ok = true;
    if (name == "--schedules")
      ok = parse_number(value, out.schedules) && out.schedules > 0;
    else if (name == "--queries")
      ok = parse_number(value, out.queries) && out.queries > 0;
    else if (name == "--shift-schedules")
      ok = parse_number(value, out.shift_schedules);
    else if (name == "--seed") {
      uint64_t seed = 0;
      ok = parse_number(value, seed);
      out.seed = seed;
    }
    if (!ok)
      return "invalid value \"" + std::string{value} + "\" for "
             + std::string{name};
  }
  out.shift_schedules = std::min(out.shift_schedules, out.schedules);
  return std::nullopt;
}

std::string user_name(const char* prefix, std::size_t number) {
  char text[32];
  std::snprintf(text, sizeof text, "%s-%05zu", prefix, number);
  return text;
}

sys_seconds local_to_sys(const date::time_zone& zone,
                         date::local_seconds local) {
  return zone.to_sys(local, date::choose::earliest);
}

std::string_view random_zone(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick{0, zone_names.size() - 1};
  return zone_names[pick(rng)];
}

sys_seconds random_instant(std::mt19937_64& rng) {
  std::uniform_int_distribution<int64_t> offset{
    0, std::chrono::seconds{window_length}.count() - 1};
  return window_start + std::chrono::seconds{offset(rng)};
}

// The team in a random rotation order, so layers do not all start with the
// same person.
std::vector<std::string> shuffled(std::vector<std::string> team,
                                  std::mt19937_64& rng) {
  std::shuffle(team.begin(), team.end(), rng);
  return team;
}

sched::layer weekly_layer(const std::vector<std::string>& team,
                          const date::time_zone& zone, std::mt19937_64& rng) {
  // A Monday in 2024, so the layer covers the whole window.
  std::uniform_int_distribution<int> week{0, 51};
  auto monday = date::local_days{date::year{2024} / date::January / date::Monday[1]}
                + date::weeks{week(rng)};
  sched::layer result;
  result.name = "weekly";
  result.unit = sched::rotation_unit::weekly;
  result.shift_length = 1;
  result.handoff = local_to_sys(zone, monday + std::chrono::hours{9});
  result.participants = shuffled(team, rng);
  return result;
}

sched::layer hourly_layer(const std::vector<std::string>& team,
                          std::mt19937_64& rng) {
  constexpr std::array<int, 3> lengths{6, 8, 12};
  std::uniform_int_distribution<std::size_t> pick{0, lengths.size() - 1};
  sched::layer result;
  result.name = "follow-the-sun";
  result.unit = sched::rotation_unit::hourly;
  result.shift_length = lengths[pick(rng)];
  result.time_zone = std::string{random_zone(rng)};
  result.handoff = date::floor<std::chrono::hours>(random_instant(rng));
  result.participants = shuffled(team, rng);
  return result;
}

sched::layer business_hours_layer(const std::vector<std::string>& team,
                                  const date::time_zone& zone,
                                  std::mt19937_64& rng) {
  sched::time_window weekdays;
  for (int day = 1; day <= 5; ++day) // bit 0 is Sunday
    weekdays.weekdays.set(static_cast<std::size_t>(day));
  weekdays.start = std::chrono::hours{8};
  weekdays.end = std::chrono::hours{18};

  std::uniform_int_distribution<int> day{0, 364};
  auto first = date::local_days{date::year{2024} / 1 / 1} + date::days{day(rng)};
  sched::layer result;
  result.name = "business-hours";
  result.unit = sched::rotation_unit::daily;
  result.shift_length = 1;
  result.handoff = local_to_sys(zone, first + std::chrono::hours{8});
  result.participants = shuffled(team, rng);
  result.restriction = weekdays;
  return result;
}

// Five overrides of 1 to 72 hours inside the window. Three replace a team
// member with a stand-in, one adds a stand-in beside the people on call, and
// one takes a team member off call.
std::vector<sched::schedule_override>
make_overrides(const std::vector<std::string>& team, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> member{0, team.size() - 1};
  std::uniform_int_distribution<int> stand_in{0, stand_in_users - 1};
  std::uniform_int_distribution<int> hours{1, 72};
  std::vector<sched::schedule_override> result;
  for (int i = 0; i < 5; ++i) {
    sched::schedule_override change;
    change.start = date::floor<std::chrono::hours>(random_instant(rng));
    change.end = change.start + std::chrono::hours{hours(rng)};
    if (i < 3) {
      change.user = user_name("stand-in", static_cast<std::size_t>(stand_in(rng)));
      change.replaces = team[member(rng)];
    } else if (i == 3) {
      change.user = user_name("stand-in", static_cast<std::size_t>(stand_in(rng)));
    } else {
      change.replaces = team[member(rng)];
    }
    result.push_back(std::move(change));
  }
  return result;
}

sched::schedule make_schedule(std::size_t number, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> team_size{4, 8};
  std::vector<std::string> team;
  auto size = team_size(rng);
  for (std::size_t i = 0; i < size; ++i)
    team.push_back(user_name("user", number * 8 + i));

  sched::schedule plan;
  plan.id = user_name("schedule", number);
  plan.name = "Schedule " + std::to_string(number);
  plan.team = user_name("team", number);
  plan.time_zone = std::string{random_zone(rng)};
  const auto& zone = *date::locate_zone(plan.time_zone);
  plan.layers.push_back(weekly_layer(team, zone, rng));
  plan.layers.push_back(hourly_layer(team, rng));
  plan.layers.push_back(business_hours_layer(team, zone, rng));
  plan.overrides = make_overrides(team, rng);
  return plan;
}

/// Latency figures of one series of calls, in nanoseconds.
struct latency {
  double mean = 0;
  int64_t p50 = 0;
  int64_t p99 = 0;
  int64_t max = 0;
};

latency summarize(std::vector<int64_t> samples) {
  latency out;
  if (samples.empty())
    return out;
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (auto sample : samples)
    sum += static_cast<double>(sample);
  auto n = samples.size();
  out.mean = sum / static_cast<double>(n);
  out.p50 = samples[n / 2];
  out.p99 = samples[(n * 99 + 99) / 100 - 1];
  out.max = samples.back();
  return out;
}

// CPU time of the calling thread. Unlike the steady clock it stops while
// other processes hold the core, which is common on shared machines.
int64_t thread_cpu_nanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

int64_t nanoseconds_since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now()
                                                              - start)
    .count();
}

struct query {
  std::size_t schedule;
  sys_seconds at;
};

struct query_results {
  double per_second = 0;
  /// Queries per second of thread CPU time, which leaves out preemption.
  double per_cpu_second = 0;
  latency timing;
  /// Sum of the sizes of all on-call sets in the first run. Both runs use
  /// the results, so the compiler cannot drop the calls.
  std::size_t users_found = 0;
  std::size_t empty_answers = 0;
};

// Runs the queries twice: once without per-call clocks for the rate, and
// once with a steady_clock reading around each call for the distribution.
query_results run_queries(const std::vector<sched::schedule>& plans,
                          const std::vector<query>& queries) {
  query_results out;
  auto started = steady::now();
  auto cpu_started = thread_cpu_nanoseconds();
  for (const auto& q : queries) {
    auto users = sched::on_call(plans[q.schedule], q.at);
    out.users_found += users.size();
    out.empty_answers += users.empty() ? 1 : 0;
  }
  auto cpu = static_cast<double>(thread_cpu_nanoseconds() - cpu_started) / 1e9;
  auto elapsed = static_cast<double>(nanoseconds_since(started)) / 1e9;
  out.per_second = static_cast<double>(queries.size()) / elapsed;
  out.per_cpu_second = static_cast<double>(queries.size()) / cpu;

  std::vector<int64_t> samples;
  samples.reserve(queries.size());
  std::size_t users_found_again = 0;
  for (const auto& q : queries) {
    auto call = steady::now();
    auto users = sched::on_call(plans[q.schedule], q.at);
    samples.push_back(nanoseconds_since(call));
    users_found_again += users.size();
  }
  out.timing = summarize(std::move(samples));
  if (users_found_again != out.users_found)
    std::cerr << "oncall_query: the second run found " << users_found_again
              << " users, the first " << out.users_found << "\n";
  return out;
}

struct shift_results {
  double per_second = 0;
  latency timing;
  double mean_shifts = 0;
};

shift_results run_shifts(const std::vector<sched::schedule>& plans,
                         std::size_t count, std::mt19937_64& rng) {
  shift_results out;
  std::vector<int64_t> samples;
  samples.reserve(count);
  std::size_t total_shifts = 0;
  int64_t total_ns = 0;
  for (std::size_t i = 0; i < count; ++i) {
    auto from = random_instant(rng);
    auto call = steady::now();
    auto timeline = sched::shifts(plans[i], from, from + date::days{7});
    auto ns = nanoseconds_since(call);
    samples.push_back(ns);
    total_ns += ns;
    total_shifts += timeline.size();
  }
  if (count > 0) {
    out.per_second = static_cast<double>(count) / (static_cast<double>(total_ns) / 1e9);
    out.mean_shifts = static_cast<double>(total_shifts) / static_cast<double>(count);
  }
  out.timing = summarize(std::move(samples));
  return out;
}

void print_row(std::string_view what, std::size_t calls, double per_second,
               const latency& timing) {
  std::printf("| %.*s | %zu | %.0f | %.2f | %.2f | %.2f | %.2f |\n",
              static_cast<int>(what.size()), what.data(), calls, per_second,
              timing.mean / 1e3, static_cast<double>(timing.p50) / 1e3,
              static_cast<double>(timing.p99) / 1e3,
              static_cast<double>(timing.max) / 1e3);
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto problem = parse_options(argc, argv, opts)) {
    if (!problem->empty())
      std::cerr << "oncall_query: " << *problem << "\n";
    print_usage();
    return problem->empty() ? 0 : 2;
  }
  auto load_at_start = load_average();
  auto seed = opts.seed.value_or(std::random_device{}());
  std::mt19937_64 rng{seed};

  auto build_started = steady::now();
  std::vector<sched::schedule> plans;
  plans.reserve(opts.schedules);
  for (std::size_t i = 0; i < opts.schedules; ++i) {
    plans.push_back(make_schedule(i, rng));
    if (auto err = sched::validate(plans.back(), "schedules[" + std::to_string(i) + "]")) {
      std::cerr << "oncall_query: generated schedule " << i
                << " is invalid: " << tropos::describe(err) << "\n";
      return 1;
    }
  }
  auto build_seconds = static_cast<double>(nanoseconds_since(build_started)) / 1e9;

  // date/tz reads a zone's transitions on its first use, which takes
  // milliseconds, so that happens here rather than inside a timed query.
  for (auto name : zone_names)
    date::locate_zone(name)->get_info(window_start);

  std::vector<query> queries;
  queries.reserve(opts.queries);
  std::uniform_int_distribution<std::size_t> pick{0, plans.size() - 1};
  for (std::size_t i = 0; i < opts.queries; ++i)
    queries.push_back({pick(rng), random_instant(rng)});

  auto answers = run_queries(plans, queries);
  auto timelines = run_shifts(plans, opts.shift_schedules, rng);

  std::printf("oncall_query: seed=%llu schedules=%zu queries=%zu "
              "shift_schedules=%zu build_seconds=%.2f loadavg=%s\n",
              static_cast<unsigned long long>(seed), opts.schedules,
              opts.queries, opts.shift_schedules, build_seconds,
              load_at_start.c_str());
  std::printf("on_call: %zu users in %zu answers, %zu answers empty, "
              "%.0f queries per CPU second; shifts over 7 days: %.1f per "
              "schedule\n\n",
              answers.users_found, opts.queries, answers.empty_answers,
              answers.per_cpu_second, timelines.mean_shifts);
  std::printf("| call | calls | calls/s | mean µs | p50 µs | p99 µs | max µs |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  print_row("on_call(schedule, t)", opts.queries, answers.per_second,
            answers.timing);
  if (opts.shift_schedules > 0)
    print_row("shifts(schedule, t, t + 7 days)", opts.shift_schedules,
              timelines.per_second, timelines.timing);
  return 0;
}
