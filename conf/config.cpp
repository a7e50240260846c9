#include "conf/config.hpp"

#include "conf/toml_reader.hpp"
#include "domain/error.hpp"

#include <filesystem>
#include <fstream>
#include <cstring>
#include <sstream>
#include <sys/stat.h>

namespace tropos::conf {

namespace {

// Resolves a path relative to the folder of the config file.
void resolve(std::string& path, const std::filesystem::path& base) {
  if (path.empty() || std::filesystem::path{path}.is_absolute())
    return;
  path = (base / path).lexically_normal().string();
}

// True for an IPv4 literal in 127.0.0.0/8: four decimal parts of 1 to 3
// digits, the first one 127.
bool is_loopback_ipv4(std::string_view host) {
  if (!host.starts_with("127."))
    return false;
  int parts = 0;
  size_t pos = 0;
  while (pos <= host.size()) {
    auto end = host.find('.', pos);
    if (end == std::string_view::npos)
      end = host.size();
    auto part = host.substr(pos, end - pos);
    if (part.empty() || part.size() > 3
        || part.find_first_not_of("0123456789") != std::string_view::npos
        || std::stoi(std::string{part}) > 255)
      return false;
    ++parts;
    pos = end + 1;
  }
  return parts == 4;
}

// True when the URL's host is this machine. The whole host is compared, so
// "127.0.0.1.example.test" or "localhost@example.test" are not loopback.
bool is_loopback_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return false;
  auto authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos)
    return false;
  std::string_view host = authority;
  if (authority.starts_with('[')) {
    host = authority.substr(0, authority.find(']') + 1);
  } else if (auto colon = authority.rfind(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
  }
  return host == "localhost" || host == "[::1]" || is_loopback_ipv4(host);
}

// Outbound URLs must use TLS unless they point at this machine.
void check_outbound_url(toml_reader& reader, std::string_view key,
                        const std::string& url,
                        std::initializer_list<std::string_view> secure,
                        std::initializer_list<std::string_view> plain) {
  if (url.empty())
    return;
  for (auto scheme : secure)
    if (url.starts_with(std::string{scheme} + "://"))
      return;
  for (auto scheme : plain)
    if (url.starts_with(std::string{scheme} + "://")) {
      if (!is_loopback_url(url))
        reader.fail(key, "plain " + std::string{scheme}
                           + " is only allowed to loopback addresses; use "
                           + std::string{*secure.begin()});
      return;
    }
  reader.fail(key, "unsupported URL scheme in \"" + url + "\"");
}

void read_server(toml_reader& root, server_config& out) {
  auto* t = root.table("server");
  if (t == nullptr)
    return;
  toml_reader r{*t, "server"};
  r.get("listen", out.listen);
  r.get("public_url", out.public_url);
  r.get("admin_token_file", out.admin_token_file);
  r.get("tls_cert", out.tls_cert);
  r.get("tls_key", out.tls_key);
  r.get("max_body_bytes", out.max_body_bytes, 1024, 256u << 20);
  r.get("max_connections", out.max_connections, 1, 1'000'000);
  r.get("threads", out.threads, 1, 64);
  r.get("resources_file", out.resources_file);
  auto colon = out.listen.rfind(':');
  auto port = colon == std::string::npos ? std::string{}
                                         : out.listen.substr(colon + 1);
  if (colon == std::string::npos || port.empty() || port.size() > 5
      || port.find_first_not_of("0123456789") != std::string::npos
      || std::stoul(port) > 65535)
    r.fail("listen", "expected host:port with a port from 0 to 65535, e.g. "
                     "127.0.0.1:8080");
  if (!out.public_url.empty() && !out.public_url.starts_with("https://")
      && !out.public_url.starts_with("http://"))
    r.fail("public_url", "expected an http or https URL");
  if (out.tls_cert.empty() != out.tls_key.empty())
    r.fail(out.tls_cert.empty() ? "tls_cert" : "tls_key",
           "tls_cert and tls_key must be set together");
  root.fail(r.finish());
}

void read_storage(toml_reader& root, storage_config& out) {
  auto* t = root.table("storage");
  if (t == nullptr) {
    root.fail("storage", "missing");
    return;
  }
  toml_reader r{*t, "storage"};
  r.get("path", out.path, true);
  r.get("key_file", out.key_file, true);
  r.get("map_size_mib", out.map_size_mib, 16, 1u << 20);
  r.get("no_sync", out.no_sync);
  r.get("no_meta_sync", out.no_meta_sync);
  r.get("write_map", out.write_map);
  root.fail(r.finish());
}

void read_twilio(toml_reader& root, twilio_config& out) {
  auto* t = root.table("twilio");
  if (t == nullptr)
    return;
  out.enabled = true;
  toml_reader r{*t, "twilio"};
  r.get("account_sid", out.account_sid, true);
  r.get("auth_token_file", out.auth_token_file, true);
  r.get("from_number", out.from_number, true);
  r.get("api_base", out.api_base);
  check_outbound_url(r, "api_base", out.api_base, {"https"}, {"http"});
  if (r.ok() && (out.account_sid.size() != 34
                 || !out.account_sid.starts_with("AC")))
    r.fail("account_sid", "expected AC followed by 32 characters");
  if (r.ok() && !out.from_number.starts_with("+"))
    r.fail("from_number", "expected an E.164 number such as +15005550001");
  root.fail(r.finish());
}

void read_smtp(toml_reader& root, smtp_config& out) {
  auto* t = root.table("smtp");
  if (t == nullptr)
    return;
  out.enabled = true;
  toml_reader r{*t, "smtp"};
  r.get("url", out.url, true);
  r.get("from", out.from, true);
  r.get("username", out.username);
  r.get("password_file", out.password_file);
  check_outbound_url(r, "url", out.url, {"smtps", "smtp+starttls"}, {"smtp"});
  root.fail(r.finish());
}

void read_optional_sections(toml_reader& root, config& out) {
  if (auto* t = root.table("slack")) {
    toml_reader r{*t, "slack"};
    r.get("bot_token_file", out.slack.bot_token_file);
    r.get("signing_secret_file", out.slack.signing_secret_file);
    r.get("api_base", out.slack.api_base);
    check_outbound_url(r, "api_base", out.slack.api_base, {"https"}, {"http"});
    root.fail(r.finish());
  }
  if (auto* t = root.table("teams")) {
    toml_reader r{*t, "teams"};
    r.get("webhook_url", out.teams.webhook_url);
    check_outbound_url(r, "webhook_url", out.teams.webhook_url, {"https"},
                       {"http"});
    root.fail(r.finish());
  }
  if (auto* t = root.table("jira")) {
    toml_reader r{*t, "jira"};
    r.get("base_url", out.jira.base_url);
    r.get("user", out.jira.user);
    r.get("token_file", out.jira.token_file);
    r.get("project", out.jira.project);
    check_outbound_url(r, "base_url", out.jira.base_url, {"https"}, {"http"});
    root.fail(r.finish());
  }
}

void read_oidc(toml_reader& root, config& out) {
  auto* t = root.table("oidc");
  if (t == nullptr)
    return;
  toml_reader oidc{*t, "oidc"};
  if (auto* providers = oidc.array("providers")) {
    for (size_t i = 0; i < providers->size(); ++i) {
      auto path = "oidc.providers[" + std::to_string(i) + "]";
      auto* entry = providers->get(i)->as_table();
      if (entry == nullptr) {
        oidc.fail("providers[" + std::to_string(i) + "]", "expected a table");
        break;
      }
      toml_reader r{*entry, path};
      oidc_provider_config provider;
      r.get("name", provider.name, true);
      r.get("issuer", provider.issuer, true);
      r.get("client_id", provider.client_id, true);
      r.get("client_secret_file", provider.client_secret_file, true);
      check_outbound_url(r, "issuer", provider.issuer, {"https"}, {"http"});
      oidc.fail(r.finish());
      out.oidc_providers.push_back(std::move(provider));
    }
  }
  root.fail(oidc.finish());
}

void read_security(toml_reader& root, security_config& out) {
  auto* t = root.table("security");
  if (t == nullptr)
    return;
  toml_reader r{*t, "security"};
  r.get_duration("session_idle", out.session_idle);
  r.get_duration("session_max", out.session_max);
  r.get("password_profile", out.password_profile);
  r.get("password_min_length", out.password_min_length, 8, 128);
  r.get("password_max_age_days", out.password_max_age_days, 0, 3650);
  r.get("mfa_required", out.mfa_required);
  if (out.password_profile != "policy" && out.password_profile != "nist")
    r.fail("password_profile", "must be \"policy\" or \"nist\"");
  root.fail(r.finish());
}

void read_channels(toml_reader& root, channels_config& out) {
  auto* t = root.table("channels");
  if (t == nullptr)
    return;
  toml_reader r{*t, "channels"};
  r.get("mode", out.mode);
  r.get("outbox_file", out.outbox_file);
  if (out.mode != "live" && out.mode != "log")
    r.fail("mode", "must be \"live\" or \"log\"");
  else if (out.mode == "log" && out.outbox_file.empty())
    r.fail("outbox_file", "required when mode is \"log\"");
  root.fail(r.finish());
}

void read_testing(toml_reader& root, testing_config& out) {
  auto* t = root.table("testing");
  if (t == nullptr)
    return;
  toml_reader r{*t, "testing"};
  r.get("clock", out.clock);
  r.get("clock_start", out.clock_start);
#ifdef TROPOS_TESTING
  if (out.clock != "system" && out.clock != "manual")
    r.fail("clock", "must be \"system\" or \"manual\"");
#else
  if (out.clock != "system")
    r.fail("clock", "only \"system\" is available; the manual clock exists "
                    "only in builds configured with -DTROPOS_TESTING=ON");
#endif
  root.fail(r.finish());
}

} // namespace

caf::expected<config> parse_config(std::string_view text,
                                   std::string_view source_path) {
  auto doc = parse_toml(text, source_path);
  if (!doc)
    return make_error(ec::config_error, describe(doc.error()));
  config cfg;
  cfg.source_path = std::string{source_path};
  toml_reader root{*doc, ""};
  read_server(root, cfg.server);
  read_storage(root, cfg.storage);
  read_twilio(root, cfg.twilio);
  read_smtp(root, cfg.smtp);
  read_optional_sections(root, cfg);
  read_oidc(root, cfg);
  read_security(root, cfg.security);
  read_channels(root, cfg.channels);
  read_testing(root, cfg.testing);
  if (auto err = root.finish())
    return make_error(ec::config_error, detail_of(err));

  // Relative paths are relative to the config file, not the working folder.
  auto base = std::filesystem::path{source_path}.parent_path();
  for (auto* path :
       {&cfg.server.admin_token_file, &cfg.server.tls_cert, &cfg.server.tls_key,
        &cfg.server.resources_file, &cfg.storage.path, &cfg.storage.key_file,
        &cfg.twilio.auth_token_file, &cfg.smtp.password_file,
        &cfg.slack.bot_token_file, &cfg.slack.signing_secret_file,
        &cfg.jira.token_file, &cfg.channels.outbox_file})
    resolve(*path, base);
  for (auto& provider : cfg.oidc_providers)
    resolve(provider.client_secret_file, base);
  return cfg;
}

caf::expected<config> load_config(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(ec::config_error,
                      "cannot read config file " + path + ": "
                        + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_config(buffer.str(), path);
}

namespace {

caf::error check_readable(std::string_view key, const std::string& path,
                          bool secret) {
  if (path.empty())
    return {};
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return make_error(ec::config_error, std::string{key} + ": cannot read "
                                          + path + ": " + std::strerror(errno));
  if (secret && (info.st_mode & 077) != 0)
    return make_error(ec::config_error,
                      std::string{key} + ": " + path
                        + " is readable by group or others; run chmod 600 "
                        + path);
  return {};
}

} // namespace

caf::error check_files(const config& cfg) {
  struct entry {
    const char* key;
    const std::string* path;
    bool secret;
  };
  std::vector<entry> entries{
    {"server.admin_token_file", &cfg.server.admin_token_file, true},
    {"server.tls_cert", &cfg.server.tls_cert, false},
    {"server.tls_key", &cfg.server.tls_key, true},
    {"server.resources_file", &cfg.server.resources_file, false},
    {"storage.key_file", &cfg.storage.key_file, true},
    {"twilio.auth_token_file", &cfg.twilio.auth_token_file, true},
    {"smtp.password_file", &cfg.smtp.password_file, true},
    {"slack.bot_token_file", &cfg.slack.bot_token_file, true},
    {"slack.signing_secret_file", &cfg.slack.signing_secret_file, true},
    {"jira.token_file", &cfg.jira.token_file, true},
  };
  for (const auto& e : entries)
    if (auto err = check_readable(e.key, *e.path, e.secret))
      return err;
  for (size_t i = 0; i < cfg.oidc_providers.size(); ++i)
    if (auto err = check_readable(
          "oidc.providers[" + std::to_string(i) + "].client_secret_file",
          cfg.oidc_providers[i].client_secret_file, true))
      return err;
  return {};
}

caf::expected<std::string> read_secret(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(ec::io_error,
                      "cannot read secret file " + path + ": "
                        + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto text = buffer.str();
  if (!text.empty() && text.back() == '\n')
    text.pop_back();
  if (!text.empty() && text.back() == '\r')
    text.pop_back();
  if (text.empty())
    return make_error(ec::config_error, "secret file " + path + " is empty");
  return text;
}

} // namespace tropos::conf
