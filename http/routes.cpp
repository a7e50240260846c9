#include "http/routes.hpp"

#include "auth/twilio_signature.hpp"
#include "domain/error.hpp"
#include "domain/form.hpp"
#include "domain/incident/incident.hpp"
#include "domain/ingest/alertmanager.hpp"
#include "domain/ingest/events_v2.hpp"
#include "domain/ingest/grafana.hpp"
#include "domain/schedule/schedule.hpp"
#include "domain/time.hpp"
#include "storage/environment.hpp"
#include "storage/keys.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <date/date.h>

namespace tropos::http {

namespace {

namespace bh = boost::beast::http;
using json = nlohmann::json;
using ctx_ptr = std::shared_ptr<api_context>;

/// Splits "/a/b/c" into {"a", "b", "c"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    auto end = path.find('/', pos);
    if (end == std::string_view::npos)
      end = path.size();
    out.push_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::optional<std::string> query_value(std::string_view query,
                                       std::string_view name) {
  auto fields = parse_form(query);
  if (!fields)
    return std::nullopt;
  return form_value(*fields, name);
}

bh::status status_for(const caf::error& err) {
  switch (code_of(err)) {
    case ec::not_found: return bh::status::not_found;
    case ec::too_large: return bh::status::payload_too_large;
    case ec::unauthorized: return bh::status::unauthorized;
    case ec::forbidden: return bh::status::forbidden;
    case ec::conflict: return bh::status::conflict;
    case ec::invalid_argument:
    case ec::parse_error: return bh::status::bad_request;
    case ec::unavailable: return bh::status::service_unavailable;
    default: return bh::status::internal_server_error;
  }
}

response error_response(const caf::error& err) {
  auto status = status_for(err);
  auto detail = detail_of(err);
  if (status == bh::status::internal_server_error) {
    spdlog::error("request-failed error={}", describe(err));
    detail = "internal error; see the daemon log";
  }
  // The field is the part of the detail before ": " when it names a path.
  std::string field;
  if (auto colon = detail.find(": "); colon != std::string::npos
                                      && detail.find(' ') >= colon)
    field = detail.substr(0, colon);
  return json_error(status, to_string(code_of(err)), detail, field);
}

response not_found();
response method_not_allowed();

bool has_admin_token(const api_context& ctx, const request& req) {
  auto field = req[bh::field::authorization];
  std::string_view header{field.data(), field.size()};
  // The scheme name is case-insensitive (RFC 7235).
  constexpr std::string_view prefix = "bearer ";
  if (ctx.admin_token.empty() || header.size() < prefix.size()
      || !std::equal(prefix.begin(), prefix.end(), header.begin(),
                     [](char a, char b) {
                       return a == std::tolower(static_cast<unsigned char>(b));
                     }))
    return false;
  auto token = header.substr(prefix.size());
  return token.size() == ctx.admin_token.size()
         && CRYPTO_memcmp(token.data(), ctx.admin_token.data(), token.size())
              == 0;
}

response unauthorized() {
  auto res = json_error(bh::status::unauthorized, "unauthorized",
                        "missing or invalid bearer token in Authorization");
  res.set(bh::field::www_authenticate, "Bearer");
  return res;
}

// Accepts JSON bodies with or without a Content-Type, because some senders
// omit it and curl's -d declares a form by default. Any other declared type
// is rejected.
bool accepts_json(const request& req) {
  auto field = req[bh::field::content_type];
  std::string_view type{field.data(), field.size()};
  return type.empty() || type.starts_with("application/json")
         || type.starts_with("text/plain")
         || type.starts_with("application/x-www-form-urlencoded");
}

actors::completion reply_accepted(const ctx_ptr& ctx, responder respond, size_t count,
                          std::string body = {}) {
  return actors::completion{[ctx, respond, count, body](const caf::error& err) {
    if (err) {
      respond(error_response(err));
      return;
    }
    ctx->alerts_accepted += count;
    if (!body.empty()) {
      auto res = json_response(bh::status::accepted, json::parse(body));
      respond(std::move(res));
      return;
    }
    respond(json_response(bh::status::accepted,
                          {{"status", "accepted"}, {"alerts", count}}));
  }};
}

void post_webhook(const ctx_ptr& ctx, request_context& rc, responder respond,
                  std::string_view key, std::string_view kind) {
  if (!accepts_json(rc.message)) {
    respond(json_error(bh::status::unsupported_media_type,
                       "unsupported_media_type",
                       "Content-Type must be application/json"));
    return;
  }
  auto resources = ctx->resources->get();
  auto found = resources->find_integration(key);
  auto expected_type = kind == "grafana" ? integration_type::grafana
                                         : integration_type::alertmanager;
  if (!found || found->second != expected_type) {
    respond(json_error(bh::status::not_found, "not_found",
                       "unknown " + std::string{kind} + " integration key",
                       "key"));
    return;
  }
  auto events = kind == "grafana" ? ingest::parse_grafana(rc.message.body())
                                  : ingest::parse_alertmanager(rc.message.body());
  if (!events) {
    respond(error_response(events.error()));
    return;
  }
  for (auto& event : *events)
    ingest::clamp_summary(event);
  auto count = events->size();
  actors::ingest(ctx->router, {found->first->id, std::move(*events),
                               reply_accepted(ctx, respond, count)});
}

std::string random_dedup_key() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof(bytes));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

void post_events_v2(const ctx_ptr& ctx, request_context& rc, responder respond) {
  auto invalid = [&](bh::status status, const caf::error& err) {
    response res{status, 11};
    res.set(bh::field::content_type, "application/json");
    res.body() = ingest::events_v2_invalid_body(err);
    res.prepare_payload();
    respond(std::move(res));
  };
  if (!accepts_json(rc.message)) {
    invalid(bh::status::unsupported_media_type,
            make_error(ec::invalid_argument,
                       "Content-Type must be application/json"));
    return;
  }
  auto parsed = ingest::parse_events_v2(rc.message.body());
  if (!parsed) {
    invalid(status_for(parsed.error()), parsed.error());
    return;
  }
  auto resources = ctx->resources->get();
  auto found = resources->find_integration(parsed->routing_key);
  if (!found || found->second != integration_type::events_v2) {
    invalid(bh::status::not_found,
            make_error(ec::not_found, "routing_key: unknown integration key"));
    return;
  }
  if (parsed->event.dedup_key.empty())
    parsed->event.dedup_key = random_dedup_key();
  auto body = ingest::events_v2_accepted_body(parsed->event.dedup_key);
  std::vector<ingest::alert_event> events{std::move(parsed->event)};
  actors::ingest(ctx->router, {found->first->id, std::move(events),
                               reply_accepted(ctx, respond, 1, body)});
}

json incident_json(const incident_record& r) {
  json timeline = json::array();
  for (const auto& e : r.timeline)
    timeline.push_back(
      {{"at", format_rfc3339(e.at)}, {"event", e.event}, {"detail", e.detail}});
  json out{{"id", r.id},
           {"service", r.service_id},
           {"escalation_policy", r.policy_id},
           {"dedup_key", r.dedup_key},
           {"summary", r.summary},
           {"details", r.details},
           {"source", r.source},
           {"severity", r.severity},
           {"labels", r.labels},
           {"status", to_string(r.status)},
           {"created_at", format_rfc3339(r.created_at)},
           {"updated_at", format_rfc3339(r.updated_at)},
           {"acknowledged_by", r.acknowledged_by},
           {"resolved_by", r.resolved_by},
           {"level", r.level + 1},
           {"pass", r.pass + 1},
           {"event_count", r.event_count},
           {"timeline", std::move(timeline)}};
  if (r.next_step_at)
    out["next_step_at"] = format_rfc3339(*r.next_step_at);
  if (r.ack_expires_at)
    out["ack_expires_at"] = format_rfc3339(*r.ack_expires_at);
  if (!r.suppressed_by.empty())
    out["muted_by"] = r.suppressed_by;
  json alerts = json::array();
  for (const auto& a : r.alerts)
    alerts.push_back({{"dedup_key", a.dedup_key},
                      {"status", a.firing ? "firing" : "resolved"},
                      {"last_event", format_rfc3339(a.last_event)}});
  out["alerts"] = std::move(alerts);
  return out;
}

void get_incidents(const ctx_ptr& ctx, request_context& rc, responder respond) {
  std::optional<incident_status> filter;
  if (auto status = query_value(rc.query, "status")) {
    filter = parse_incident_status(*status);
    if (!filter) {
      respond(json_error(bh::status::bad_request, "invalid_argument",
                         "status must be triggered, acknowledged or resolved",
                         "status"));
      return;
    }
  }
  // Pages of at most `limit` incidents in id order; `after` is the last id
  // of the previous page.
  uint64_t after = 0;
  size_t limit = 500;
  for (auto [name, max] : {std::pair{"after", uint64_t{UINT64_MAX}},
                           std::pair{"limit", uint64_t{5000}}}) {
    auto text = query_value(rc.query, name);
    if (!text)
      continue;
    uint64_t value = 0;
    auto [end, err] = std::from_chars(text->data(), text->data() + text->size(),
                                      value);
    if (err != std::errc{} || end != text->data() + text->size()
        || value > max || (std::string_view{name} == "limit" && value == 0)) {
      respond(json_error(bh::status::bad_request, "invalid_argument",
                         std::string{name} + ": expected a number"
                           + (std::string_view{name} == "limit"
                                ? " from 1 to 5000"
                                : ""),
                         name));
      return;
    }
    if (std::string_view{name} == "after")
      after = value;
    else
      limit = value;
  }

  auto txn = ctx->env->begin_read();
  if (!txn) {
    respond(error_response(txn.error()));
    return;
  }
  json items = json::array();
  caf::error failure;
  uint64_t last_id = 0;
  bool more = false;
  auto err = txn->for_each(
    storage::table::incidents, "r",
    [&](std::string_view key, std::string_view value) {
      auto id = storage::decode_u64(key.substr(1)).value_or(0);
      if (id <= after)
        return true;
      auto rec = incident_from_json(value);
      if (!rec) {
        failure = rec.error();
        return false;
      }
      if (filter && rec->status != *filter)
        return true;
      if (items.size() == limit) {
        more = true;
        return false;
      }
      items.push_back(incident_json(*rec));
      last_id = id;
      return true;
    });
  if (err || failure) {
    respond(error_response(err ? err : failure));
    return;
  }

  json page{{"incidents", std::move(items)}};
  if (more)
    page["next_after"] = last_id;
  respond(json_response(bh::status::ok, std::move(page)));
}

std::optional<uint64_t> parse_id(std::string_view text) {
  uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return id;
}

void get_incident(const ctx_ptr& ctx, uint64_t id, responder respond) {
  auto txn = ctx->env->begin_read();
  if (!txn) {
    respond(error_response(txn.error()));
    return;
  }
  auto value = txn->get(storage::table::incidents,
                        "r" + storage::encode_u64(id));
  if (!value) {
    respond(error_response(value.error()));
    return;
  }
  if (!*value) {
    respond(json_error(bh::status::not_found, "not_found",
                       "incident " + std::to_string(id) + " not found", "id"));
    return;
  }
  auto rec = incident_from_json(**value);
  if (!rec) {
    respond(error_response(rec.error()));
    return;
  }
  respond(json_response(bh::status::ok, incident_json(*rec)));
}

void post_action(const ctx_ptr& ctx, uint64_t id, actors::verb what,
                 responder respond) {
  actors::action_request req{id, what, "admin", "api"};
  actors::act(ctx->router, std::move(req),
              actors::action_callback{
                [respond, id](const actors::action_outcome& out) {
                  if (out.error) {
                    respond(error_response(out.error));
                    return;
                  }
                  respond(json_response(
                    bh::status::ok,
                    {{"id", id},
                     {"changed", out.changed},
                     {"status", to_string(out.status)},
                     {"acknowledged_by", out.acknowledged_by},
                     {"resolved_by", out.resolved_by}}));
                }});
}

void get_on_call(const ctx_ptr& ctx, std::string_view id, request_context& rc,
                 responder respond) {
  auto resources = ctx->resources->get();
  const auto* plan = resources->find_schedule(id);
  if (plan == nullptr) {
    respond(json_error(bh::status::not_found, "not_found",
                       "schedule \"" + std::string{id} + "\" not found", "id"));
    return;
  }
  auto at = ctx->clk->now();
  if (auto text = query_value(rc.query, "at")) {
    auto parsed = parse_rfc3339(*text);
    if (!parsed) {
      respond(json_error(bh::status::bad_request, "invalid_argument",
                         "at: " + detail_of(parsed.error()), "at"));
      return;
    }
    at = *parsed;
  }
  auto handle = ctx->resources->schedule_actor(plan->id);
  if (!handle) {
    respond(json_error(bh::status::service_unavailable, "unavailable",
                       "schedule \"" + plan->id + "\" is still loading"));
    return;
  }
  auto t = date::floor<std::chrono::seconds>(at);
  actors::on_call(handle, t,
                  actors::oncall_callback{
                    [respond, id = plan->id, at](std::vector<std::string> users) {
                      respond(json_response(bh::status::ok,
                                            {{"schedule", id},
                                             {"at", format_rfc3339(at)},
                                             {"users", std::move(users)}}));
                    }});
}

void get_shifts(const ctx_ptr& ctx, std::string_view id, request_context& rc,
                responder respond) {
  auto resources = ctx->resources->get();
  const auto* plan = resources->find_schedule(id);
  if (plan == nullptr) {
    respond(json_error(bh::status::not_found, "not_found",
                       "schedule \"" + std::string{id} + "\" not found", "id"));
    return;
  }
  std::optional<instant> bounds[2];
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    auto text = query_value(rc.query, names[i]);
    auto parsed = text ? parse_rfc3339(*text)
                       : caf::expected<instant>{make_error(
                         ec::invalid_argument, "missing")};
    if (!parsed) {
      respond(json_error(bh::status::bad_request, "invalid_argument",
                         std::string{names[i]} + ": "
                           + detail_of(parsed.error()),
                         names[i]));
      return;
    }
    bounds[i] = *parsed;
  }
  if (*bounds[1] <= *bounds[0] || *bounds[1] - *bounds[0] > date::days{366}) {
    respond(json_error(bh::status::bad_request, "invalid_argument",
                       "to: must be after from and at most 366 days later",
                       "to"));
    return;
  }
  json items = json::array();
  for (const auto& s :
       schedule::shifts(*plan, date::floor<std::chrono::seconds>(*bounds[0]),
                        date::floor<std::chrono::seconds>(*bounds[1])))
    items.push_back({{"user", s.user},
                     {"start", format_rfc3339(instant{s.start})},
                     {"end", format_rfc3339(instant{s.end})}});
  respond(json_response(bh::status::ok,
                        {{"schedule", plan->id}, {"shifts", std::move(items)}}));
}

void post_apply(const ctx_ptr& ctx, request_context& rc, responder respond) {
  actors::apply_resources(
    ctx->registry, std::move(rc.message.body()),
    actors::apply_callback{
      [respond](caf::expected<actors::apply_summary> result) {
        if (!result) {
          respond(error_response(result.error()));
          return;
        }
        respond(json_response(
          bh::status::ok,
          {{"status", "applied"},
           {"users", result->users},
           {"teams", result->teams},
           {"schedules", result->schedules},
           {"escalation_policies", result->escalation_policies},
           {"services", result->services}}));
      }});
}

void post_twilio_sms(const ctx_ptr& ctx, request_context& rc,
                     responder respond) {
  auto fields = parse_form(rc.message.body());
  auto target = std::string{rc.message.target()};
  auto header = rc.message["X-Twilio-Signature"];
  std::string_view signature{header.data(), header.size()};
  if (!fields || ctx->twilio_auth_token.empty()
      || !auth::verify_twilio_signature(ctx->twilio_auth_token, ctx->public_url,
                                        target, *fields, signature)) {
    ctx->signature_rejections++;
    spdlog::warn("twilio-signature-rejected remote={} path={}",
                 rc.remote_address, rc.target_path);
    respond(json_error(bh::status::forbidden, "forbidden",
                       "invalid or missing X-Twilio-Signature"));
    return;
  }
  auto from = form_value(*fields, "From");
  auto body = form_value(*fields, "Body");
  if (!from || !body) {
    respond(json_error(bh::status::bad_request, "invalid_argument",
                       "From and Body are required", from ? "Body" : "From"));
    return;
  }
  actors::inbound_sms(ctx->notifier, *from, *body,
                      actors::twiml_callback{[respond](std::string twiml) {
                        response res{bh::status::ok, 11};
                        res.set(bh::field::content_type, "application/xml");
                        res.body() = std::move(twiml);
                        res.prepare_payload();
                        respond(std::move(res));
                      }});
}

#ifdef TROPOS_TESTING
void post_testing_clock(const ctx_ptr& ctx, request_context& rc,
                        responder respond) {
  auto doc = json::parse(rc.message.body(), nullptr, false);
  if (!ctx->clk->is_manual()) {
    respond(json_error(bh::status::conflict, "conflict",
                       "the clock is not manual; set [testing] clock"));
    return;
  }
  instant to = ctx->clk->now();
  if (doc.is_object() && doc.contains("set") && doc["set"].is_string()) {
    auto parsed = parse_rfc3339(doc["set"].get<std::string>());
    if (!parsed) {
      respond(json_error(bh::status::bad_request, "invalid_argument",
                         "set: " + detail_of(parsed.error()), "set"));
      return;
    }
    to = *parsed;
  } else if (doc.is_object() && doc.contains("advance")
             && doc["advance"].is_string()) {
    auto parsed = parse_duration(doc["advance"].get<std::string>());
    if (!parsed) {
      respond(json_error(bh::status::bad_request, "invalid_argument",
                         "advance: " + detail_of(parsed.error()), "advance"));
      return;
    }
    to += *parsed;
  } else {
    respond(json_error(bh::status::bad_request, "invalid_argument",
                       "expected {\"set\": RFC3339} or {\"advance\": \"15m\"}",
                       "set"));
    return;
  }
  actors::advance_clock(ctx->timer, to,
                        actors::completion{[respond, to](const caf::error& err) {
                          if (err) {
                            respond(error_response(err));
                            return;
                          }
                          respond(json_response(bh::status::ok,
                                                {{"now", format_rfc3339(to)}}));
                        }});
}
#endif

actors::json_callback reply_json(responder respond, bh::status status) {
  return actors::json_callback{
    [respond, status](caf::expected<std::string> result) {
      if (!result) {
        respond(error_response(result.error()));
        return;
      }
      response res{status, 11};
      res.set(bh::field::content_type, "application/json");
      res.body() = std::move(*result);
      res.prepare_payload();
      respond(std::move(res));
    }};
}

// Silences (`maintenance` false) and maintenance windows: list, add, delete.
void mutes(const ctx_ptr& ctx, request_context& rc, responder respond,
           bool maintenance, std::optional<std::string_view> id) {
  auto method = rc.message.method();
  if (!id && method == bh::verb::get)
    return actors::list_mutes(ctx->router, maintenance,
                              reply_json(respond, bh::status::ok));
  if (!id && method == bh::verb::post)
    return actors::add_mute(ctx->router, maintenance,
                            std::move(rc.message.body()),
                            reply_json(respond, bh::status::created));
  if (id && method == bh::verb::delete_)
    return actors::delete_mute(ctx->router, maintenance, std::string{*id},
                               reply_json(respond, bh::status::ok));
  respond(method_not_allowed());
}

void post_heartbeat(const ctx_ptr& ctx, std::string_view key,
                    responder respond) {
  auto resources = ctx->resources->get();
  const auto* monitor = resources->find_heartbeat_key(key);
  if (monitor == nullptr) {
    respond(json_error(bh::status::not_found, "not_found",
                       "unknown heartbeat key", "key"));
    return;
  }
  actors::heartbeat(ctx->heartbeats, monitor->id,
                    actors::completion{[respond](const caf::error& err) {
                      if (err)
                        respond(error_response(err));
                      else
                        respond(json_response(bh::status::accepted,
                                              {{"status", "accepted"}}));
                    }});
}

// Escapes text for an iCalendar TEXT value (RFC 5545 section 3.3.11).
std::string ical_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == ';' || c == ',')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// Appends one content line with its CRLF, folded so that no physical line
// exceeds 75 octets (RFC 5545 section 3.1). A fold never splits a UTF-8
// sequence, and each continuation line starts with a space.
void append_ical_line(std::string& out, std::string_view line) {
  constexpr size_t max_octets = 75;
  size_t limit = max_octets;
  while (line.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
      --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = max_octets - 1;
  }
  out.append(line);
  out += "\r\n";
}

std::string ical_time(std::chrono::sys_seconds t) {
  return date::format("%Y%m%dT%H%M%SZ", t);
}

// Writes a calendar of `shifts`; `label` names the calendar.
response calendar(const resource_set& resources, std::string_view label,
                  std::chrono::sys_seconds now,
                  const std::vector<std::pair<std::string, schedule::shift>>&
                    shifts,
                  bool name_schedules) {
  std::string text;
  append_ical_line(text, "BEGIN:VCALENDAR");
  append_ical_line(text, "VERSION:2.0");
  append_ical_line(text, "PRODID:-//Tropos Alerts//troposd//EN");
  append_ical_line(text, "CALSCALE:GREGORIAN");
  append_ical_line(text, "X-WR-CALNAME:" + ical_text(label));
  for (const auto& [schedule_id, s] : shifts) {
    const auto* user = resources.find_user(s.user);
    auto who = user != nullptr && !user->name.empty() ? user->name : s.user;
    append_ical_line(text, "BEGIN:VEVENT");
    append_ical_line(text, "UID:" + schedule_id + "-" + s.user + "-"
                             + ical_time(s.start) + "@tropos");
    append_ical_line(text, "DTSTAMP:" + ical_time(now));
    append_ical_line(text, "DTSTART:" + ical_time(s.start));
    append_ical_line(text, "DTEND:" + ical_time(s.end));
    auto summary = ical_text(who) + " on call";
    if (name_schedules)
      summary += " (" + ical_text(schedule_id) + ")";
    append_ical_line(text, "SUMMARY:" + summary);
    append_ical_line(text, "END:VEVENT");
  }
  append_ical_line(text, "END:VCALENDAR");
  response res{bh::status::ok, 11};
  res.set(bh::field::content_type, "text/calendar; charset=utf-8");
  res.body() = std::move(text);
  res.prepare_payload();
  return res;
}

void get_ical(const ctx_ptr& ctx, std::string_view id, responder respond) {
  auto resources = ctx->resources->get();
  const auto* plan = resources->find_schedule(id);
  if (plan == nullptr) {
    respond(json_error(bh::status::not_found, "not_found",
                       "schedule \"" + std::string{id} + "\" not found", "id"));
    return;
  }
  // One event per shift, from a week back to 60 days ahead.
  auto now = date::floor<std::chrono::seconds>(ctx->clk->now());
  std::vector<std::pair<std::string, schedule::shift>> items;
  for (auto& s : schedule::shifts(*plan, now - date::days{7},
                                  now + date::days{60}))
    items.emplace_back(plan->id, std::move(s));
  respond(calendar(*resources, plan->name.empty() ? plan->id : plan->name, now,
                   items, false));
}

// The secret of a user's calendar link: a keyed hash of the user id, so it
// needs no storage and changes only with the storage key.
std::string ical_token(const api_context& ctx, std::string_view user_id) {
  auto blind = ctx.env->value_sealer().blind("ical:" + std::string{user_id});
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : blind) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

// A user's shifts across every schedule; the token in the query is the
// credential, so calendar apps can subscribe without a bearer token.
void get_user_ical(const ctx_ptr& ctx, std::string_view user_id,
                   request_context& rc, responder respond) {
  auto token = query_value(rc.query, "token").value_or("");
  auto expected = ical_token(*ctx, user_id);
  auto resources = ctx->resources->get();
  if (token.size() != expected.size()
      || CRYPTO_memcmp(token.data(), expected.data(), token.size()) != 0
      || resources->find_user(user_id) == nullptr) {
    respond(json_error(bh::status::not_found, "not_found",
                       "unknown calendar link", "token"));
    return;
  }
  auto now = date::floor<std::chrono::seconds>(ctx->clk->now());
  std::vector<std::pair<std::string, schedule::shift>> items;
  for (const auto& plan : resources->schedules)
    for (auto& s :
         schedule::shifts(plan, now - date::days{7}, now + date::days{60}))
      if (s.user == user_id)
        items.emplace_back(plan.id, std::move(s));
  respond(
    calendar(*resources, std::string{user_id} + " on call", now, items, true));
}

// Returns the subscription link of a user's calendar (management API).
void get_user_ical_link(const ctx_ptr& ctx, std::string_view user_id,
                        responder respond) {
  if (ctx->resources->get()->find_user(user_id) == nullptr) {
    respond(json_error(bh::status::not_found, "not_found",
                       "user \"" + std::string{user_id} + "\" not found",
                       "id"));
    return;
  }
  auto path = "/api/v1/users/" + std::string{user_id} + "/ical?token="
              + ical_token(*ctx, user_id);
  respond(json_response(bh::status::ok,
                        {{"user", user_id}, {"url", ctx->public_url + path}}));
}

// Offers a shift for a swap, or takes an offered swap.
void post_swap(const ctx_ptr& ctx, request_context& rc, responder respond,
               std::string_view schedule_id,
               std::optional<std::string_view> swap_id) {
  auto doc = json::parse(rc.message.body(), nullptr, false);
  auto text = [&](const char* key) -> std::string {
    return doc.is_object() && doc.contains(key) && doc[key].is_string()
             ? doc[key].get<std::string>()
             : std::string{};
  };
  const char* required[] = {"user", "start", "end"};
  for (size_t i = 0; i < (swap_id ? 1u : 3u); ++i)
    if (text(required[i]).empty()) {
      respond(json_error(bh::status::bad_request, "invalid_argument",
                         std::string{required[i]} + ": missing", required[i]));
      return;
    }
  if (swap_id)
    actors::take_swap(ctx->registry, std::string{*swap_id}, text("user"),
                      reply_json(respond, bh::status::ok));
  else
    actors::offer_swap(ctx->registry, std::string{schedule_id}, text("user"),
                       text("start"), text("end"),
                       reply_json(respond, bh::status::created));
}

response metrics(const api_context& ctx) {
  std::string text;
  text += "# TYPE tropos_http_requests_total counter\n";
  text += "tropos_http_requests_total " + std::to_string(ctx.requests) + "\n";
  text += "# TYPE tropos_alerts_accepted_total counter\n";
  text += "tropos_alerts_accepted_total " + std::to_string(ctx.alerts_accepted)
          + "\n";
  text += "# TYPE tropos_signature_rejections_total counter\n";
  text += "tropos_signature_rejections_total "
          + std::to_string(ctx.signature_rejections) + "\n";
  response res{bh::status::ok, 11};
  res.set(bh::field::content_type, "text/plain; version=0.0.4");
  res.body() = std::move(text);
  res.prepare_payload();
  return res;
}

response not_found() {
  return json_error(bh::status::not_found, "not_found", "no such endpoint");
}

response method_not_allowed() {
  return json_error(bh::status::method_not_allowed, "method_not_allowed",
                    "method not allowed on this endpoint");
}

void dispatch(const ctx_ptr& ctx, request_context& rc, responder respond) {
  ctx->requests++;
  auto parts = segments(rc.target_path);
  auto method = rc.message.method();
  auto is_get = method == bh::verb::get;
  auto is_post = method == bh::verb::post;
  auto n = parts.size();

  // Open endpoints: probes and webhooks that carry their own credential.
  if (n == 1 && parts[0] == "healthz")
    return respond(json_response(bh::status::ok, {{"status", "ok"}}));
  if (n == 1 && parts[0] == "readyz") {
    if (ctx->ready)
      return respond(json_response(bh::status::ok, {{"status", "ready"}}));
    return respond(json_error(bh::status::service_unavailable, "unavailable",
                              "recovery is still running"));
  }
  if (n == 1 && parts[0] == "metrics" && is_get)
    return respond(metrics(*ctx));
  if (n == 2 && parts[0] == "v2" && parts[1] == "enqueue")
    return is_post ? post_events_v2(ctx, rc, respond)
                   : respond(method_not_allowed());
  if (n == 5 && parts[0] == "api" && parts[1] == "v1"
      && parts[2] == "integrations"
      && (parts[4] == "alertmanager" || parts[4] == "grafana"))
    return is_post ? post_webhook(ctx, rc, respond, parts[3], parts[4])
                   : respond(method_not_allowed());
  if (n == 4 && parts[0] == "api" && parts[1] == "v1"
      && parts[2] == "heartbeats")
    return is_post ? post_heartbeat(ctx, parts[3], respond)
                   : respond(method_not_allowed());
  if (n == 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "users"
      && parts[4] == "ical" && is_get)
    return get_user_ical(ctx, parts[3], rc, respond);
  if (n == 4 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "twilio"
      && parts[3] == "sms")
    return is_post ? post_twilio_sms(ctx, rc, respond)
                   : respond(method_not_allowed());

  // Everything else is management API behind the bearer token.
  if (n < 2 || parts[0] != "api" || parts[1] != "v1")
    return respond(not_found());
  if (!has_admin_token(*ctx, rc.message))
    return respond(unauthorized());
  if (n == 3 && parts[2] == "apply" && is_post)
    return post_apply(ctx, rc, respond);
  if (n == 3 && parts[2] == "incidents" && is_get)
    return get_incidents(ctx, rc, respond);
  if (n >= 4 && parts[2] == "incidents") {
    auto id = parse_id(parts[3]);
    if (!id)
      return respond(json_error(bh::status::bad_request, "invalid_argument",
                                "incident id must be a number", "id"));
    if (n == 4 && is_get)
      return get_incident(ctx, *id, respond);
    if (n == 5 && is_post && parts[4] == "acknowledge")
      return post_action(ctx, *id, actors::verb::acknowledge, respond);
    if (n == 5 && is_post && parts[4] == "resolve")
      return post_action(ctx, *id, actors::verb::resolve, respond);
    if (n == 5 && is_post && parts[4] == "escalate")
      return post_action(ctx, *id, actors::verb::escalate, respond);
  }
  if (n == 5 && parts[2] == "schedules" && parts[4] == "on-call" && is_get)
    return get_on_call(ctx, parts[3], rc, respond);
  if (n == 5 && parts[2] == "schedules" && parts[4] == "shifts" && is_get)
    return get_shifts(ctx, parts[3], rc, respond);
  if (n == 4 && parts[2] == "users" && method == bh::verb::delete_)
    return actors::delete_user(ctx->registry, std::string{parts[3]},
                               reply_json(respond, bh::status::ok));
  if (n == 5 && parts[2] == "users" && parts[4] == "ical-link" && is_get)
    return get_user_ical_link(ctx, parts[3], respond);
  if (n == 5 && parts[2] == "schedules" && parts[4] == "swaps" && is_post)
    return post_swap(ctx, rc, respond, parts[3], std::nullopt);
  if (n == 7 && parts[2] == "schedules" && parts[4] == "swaps"
      && parts[6] == "take" && is_post)
    return post_swap(ctx, rc, respond, parts[3], parts[5]);
  if (n == 5 && parts[2] == "schedules" && parts[4] == "ical" && is_get)
    return get_ical(ctx, parts[3], respond);
  if ((n == 3 || n == 4)
      && (parts[2] == "silences" || parts[2] == "maintenance-windows"))
    return mutes(ctx, rc, respond, parts[2] == "maintenance-windows",
                 n == 4 ? std::optional{parts[3]} : std::nullopt);
#ifdef TROPOS_TESTING
  if (n == 4 && parts[2] == "testing" && parts[3] == "clock" && is_post)
    return post_testing_clock(ctx, rc, respond);
#endif
  respond(not_found());
}

} // namespace

handler make_api_handler(std::shared_ptr<api_context> ctx) {
  return [ctx](request_context&& rc, responder respond) {
    dispatch(ctx, rc, std::move(respond));
  };
}

} // namespace tropos::http
