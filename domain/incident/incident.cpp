#include "domain/incident/incident.hpp"

#include "domain/error.hpp"

#include <nlohmann/json.hpp>

namespace tropos {

using json = nlohmann::json;

std::string_view to_string(incident_status status) noexcept {
  switch (status) {
    case incident_status::triggered: return "triggered";
    case incident_status::acknowledged: return "acknowledged";
    case incident_status::resolved: return "resolved";
  }
  return "unknown";
}

std::optional<incident_status> parse_incident_status(std::string_view text) {
  for (auto s : {incident_status::triggered, incident_status::acknowledged,
                 incident_status::resolved})
    if (to_string(s) == text)
      return s;
  return std::nullopt;
}

void add_timeline(incident_record& record, instant at, std::string event,
                  std::string detail) {
  if (record.timeline.size() >= max_timeline_entries)
    record.timeline.erase(record.timeline.begin());
  record.timeline.push_back({at, std::move(event), std::move(detail)});
}

namespace {

int64_t millis(instant t) {
  return t.time_since_epoch().count();
}

instant from_millis(int64_t ms) {
  return instant{std::chrono::milliseconds{ms}};
}

} // namespace

std::string to_json(const incident_record& r) {
  json timeline = json::array();
  for (const auto& e : r.timeline)
    timeline.push_back({{"at", millis(e.at)}, {"event", e.event},
                        {"detail", e.detail}});
  json out{{"id", r.id},
           {"service", r.service_id},
           {"policy", r.policy_id},
           {"dedup_key", r.dedup_key},
           {"summary", r.summary},
           {"details", r.details},
           {"source", r.source},
           {"severity", r.severity},
           {"labels", r.labels},
           {"status", to_string(r.status)},
           {"created_at", millis(r.created_at)},
           {"updated_at", millis(r.updated_at)},
           {"acknowledged_by", r.acknowledged_by},
           {"resolved_by", r.resolved_by},
           {"level", r.level},
           {"pass", r.pass},
           {"event_count", r.event_count},
           {"job_count", r.job_count},
           {"timeline", std::move(timeline)}};
  if (r.next_step_at)
    out["next_step_at"] = millis(*r.next_step_at);
  if (r.ack_expires_at)
    out["ack_expires_at"] = millis(*r.ack_expires_at);
  out["route_key"] = r.route_key;
  out["suppressed_by"] = r.suppressed_by;
  json alerts = json::array();
  for (const auto& a : r.alerts)
    alerts.push_back({{"dedup_key", a.dedup_key},
                      {"firing", a.firing},
                      {"last_event", millis(a.last_event)}});
  out["alerts"] = std::move(alerts);
  return out.dump();
}

caf::expected<incident_record> incident_from_json(std::string_view text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(ec::parse_error, "stored incident is not valid JSON");
  try {
    incident_record r;
    r.id = doc.at("id").get<uint64_t>();
    r.service_id = doc.at("service").get<std::string>();
    r.policy_id = doc.at("policy").get<std::string>();
    r.dedup_key = doc.at("dedup_key").get<std::string>();
    r.summary = doc.at("summary").get<std::string>();
    r.details = doc.value("details", "");
    r.source = doc.value("source", "");
    r.severity = doc.value("severity", "");
    r.labels = doc.value("labels", std::map<std::string, std::string>{});
    auto status = parse_incident_status(doc.at("status").get<std::string>());
    if (!status)
      return make_error(ec::parse_error, "stored incident has a bad status");
    r.status = *status;
    r.created_at = from_millis(doc.at("created_at").get<int64_t>());
    r.updated_at = from_millis(doc.at("updated_at").get<int64_t>());
    r.acknowledged_by = doc.value("acknowledged_by", "");
    r.resolved_by = doc.value("resolved_by", "");
    r.level = doc.value("level", 0u);
    r.pass = doc.value("pass", 0u);
    r.event_count = doc.value("event_count", 1u);
    r.job_count = doc.value("job_count", 0u);
    if (doc.contains("next_step_at"))
      r.next_step_at = from_millis(doc["next_step_at"].get<int64_t>());
    if (doc.contains("ack_expires_at"))
      r.ack_expires_at = from_millis(doc["ack_expires_at"].get<int64_t>());
    r.route_key = doc.value("route_key", "");
    r.suppressed_by = doc.value("suppressed_by", "");
    for (const auto& a : doc.value("alerts", json::array()))
      r.alerts.push_back({a.at("dedup_key").get<std::string>(),
                          a.at("firing").get<bool>(),
                          from_millis(a.at("last_event").get<int64_t>())});
    for (const auto& e : doc.value("timeline", json::array()))
      r.timeline.push_back({from_millis(e.at("at").get<int64_t>()),
                            e.at("event").get<std::string>(),
                            e.value("detail", "")});
    return r;
  } catch (const json::exception& err) {
    return make_error(ec::parse_error,
                      std::string{"stored incident: "} + err.what());
  }
}

std::optional<escalation_step> next_step(const escalation_policy& policy,
                                         unsigned level, unsigned pass,
                                         instant paged_at) {
  if (policy.levels.empty() || level >= policy.levels.size())
    return std::nullopt;
  auto at = paged_at + policy.levels[level].delay;
  if (level + 1 < policy.levels.size())
    return escalation_step{level + 1, pass, at};
  if (pass < policy.repeat)
    return escalation_step{0, pass + 1, at};
  return std::nullopt;
}

std::string notification_job::key() const {
  std::string out(12, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((incident_id >> (56 - 8 * i)) & 0xff);
  for (int i = 0; i < 4; ++i)
    out[8 + i] = static_cast<char>((sequence >> (24 - 8 * i)) & 0xff);
  return out;
}

std::string to_json(const notification_job& job) {
  return json{{"incident", job.incident_id},
              {"sequence", job.sequence},
              {"user", job.user_id},
              {"contact_method", job.contact_method_id},
              {"type", to_string(job.type)},
              {"address", job.address},
              {"summary", job.summary},
              {"notice_subject", job.notice_subject},
              {"details", job.details},
              {"due", millis(job.due)},
              {"attempt", job.attempt}}
    .dump();
}

caf::expected<notification_job> job_from_json(std::string_view text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(ec::parse_error, "stored job is not valid JSON");
  try {
    notification_job job;
    job.incident_id = doc.at("incident").get<uint64_t>();
    job.sequence = doc.at("sequence").get<uint32_t>();
    job.user_id = doc.at("user").get<std::string>();
    job.contact_method_id = doc.at("contact_method").get<std::string>();
    auto type = doc.at("type").get<std::string>();
    if (type == "sms")
      job.type = contact_type::sms;
    else if (type == "voice")
      job.type = contact_type::voice;
    else if (type == "email")
      job.type = contact_type::email;
    else
      return make_error(ec::parse_error, "stored job has a bad type");
    job.address = doc.at("address").get<std::string>();
    job.summary = doc.value("summary", "");
    job.notice_subject = doc.value("notice_subject", "");
    job.details = doc.value("details", "");
    job.due = from_millis(doc.at("due").get<int64_t>());
    job.attempt = doc.value("attempt", 0u);
    return job;
  } catch (const json::exception& err) {
    return make_error(ec::parse_error, std::string{"stored job: "} + err.what());
  }
}

std::vector<notification_job> plan_notice(const resource_set& resources,
                                          std::string_view user_id,
                                          std::string subject, std::string text,
                                          instant at, uint32_t sequence) {
  std::vector<notification_job> jobs;
  const auto* u = resources.find_user(user_id);
  if (u == nullptr)
    return jobs;
  // Prefer e-mail, since a notice needs no quick answer; fall back to the
  // first method of the user's rules.
  const contact_method* chosen = nullptr;
  for (const auto& method : u->contact_methods)
    if (method.type == contact_type::email) {
      chosen = &method;
      break;
    }
  if (chosen == nullptr && !u->notification_rules.empty())
    chosen = u->find_contact(u->notification_rules.front().contact_method);
  if (chosen == nullptr || chosen->type == contact_type::voice)
    return jobs;
  notification_job job;
  job.incident_id = 0;
  job.sequence = sequence;
  job.user_id = u->id;
  job.contact_method_id = chosen->id;
  job.type = chosen->type;
  job.address = chosen->address;
  job.summary = text;
  job.notice_subject = std::move(subject);
  job.details = std::move(text);
  job.due = at;
  jobs.push_back(std::move(job));
  return jobs;
}

std::vector<notification_job>
plan_notifications(const resource_set& resources, const incident_record& record,
                   const std::vector<std::string>& users, instant at,
                   uint32_t first_sequence) {
  std::vector<notification_job> jobs;
  auto sequence = first_sequence;
  for (const auto& user_id : users) {
    const auto* u = resources.find_user(user_id);
    if (u == nullptr)
      continue;
    for (const auto& rule : u->notification_rules) {
      const auto* method = u->find_contact(rule.contact_method);
      if (method == nullptr)
        continue;
      notification_job job;
      job.incident_id = record.id;
      job.sequence = sequence++;
      job.user_id = u->id;
      job.contact_method_id = method->id;
      job.type = method->type;
      job.address = method->address;
      job.summary = record.summary;
      job.details = record.details;
      job.due = at + rule.delay;
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

} // namespace tropos
