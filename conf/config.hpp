// The daemon configuration: the TOML schema, its defaults and validation.
#pragma once

#include <caf/expected.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace tropos::conf {

struct server_config {
  std::string listen = "127.0.0.1:8080";
  /// The URL Twilio and Slack call; signatures are checked against it.
  std::string public_url;
  std::string admin_token_file;
  std::string tls_cert;
  std::string tls_key;
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  std::size_t max_connections = 4096;
  unsigned threads = 2;
  /// A resources file applied at startup when it changes what is stored
  /// (used by the demo configuration).
  std::string resources_file;
};

struct storage_config {
  std::string path = "/var/lib/tropos";
  std::string key_file;
  std::size_t map_size_mib = 1024;
  /// Unsafe durability switches; each one logs a warning when set.
  bool no_sync = false;
  bool no_meta_sync = false;
  bool write_map = false;
};

struct twilio_config {
  bool enabled = false;
  std::string account_sid;
  std::string auth_token_file;
  std::string from_number;
  std::string api_base = "https://api.twilio.com";
};

struct smtp_config {
  bool enabled = false;
  std::string url;
  std::string from;
  std::string username;
  std::string password_file;
};

struct slack_config {
  std::string bot_token_file;
  std::string signing_secret_file;
  std::string api_base = "https://slack.com/api";
};

struct teams_config {
  std::string webhook_url;
};

struct jira_config {
  std::string base_url;
  std::string user;
  std::string token_file;
  std::string project;
};

struct oidc_provider_config {
  std::string name;
  std::string issuer;
  std::string client_id;
  std::string client_secret_file;
};

struct security_config {
  std::chrono::milliseconds session_idle = std::chrono::minutes{15};
  std::chrono::milliseconds session_max = std::chrono::hours{12};
  std::string password_profile = "policy";
  unsigned password_min_length = 12;
  unsigned password_max_age_days = 90;
  bool mfa_required = true;
};

/// Where notifications go. "live" sends through the configured providers;
/// "log" writes each message to the log and to `outbox_file` instead, so a
/// demo run calls no outside host.
struct channels_config {
  std::string mode = "live";
  std::string outbox_file;
};

struct testing_config {
  /// "system" or, in builds with TROPOS_TESTING, "manual".
  std::string clock = "system";
  /// Start instant of the manual clock (RFC 3339); empty = system time.
  std::string clock_start;
};

struct config {
  server_config server;
  storage_config storage;
  twilio_config twilio;
  smtp_config smtp;
  slack_config slack;
  teams_config teams;
  jira_config jira;
  std::vector<oidc_provider_config> oidc_providers;
  security_config security;
  channels_config channels;
  testing_config testing;
  /// The file the config was read from; relative paths in it resolve
  /// against its folder.
  std::string source_path;
};

/// Parses and validates config text. Unknown keys are errors, so a typo
/// does not silently fall back to a default. The error names the key, e.g.
/// "config error: server.listen: expected host:port".
caf::expected<config> parse_config(std::string_view text,
                                   std::string_view source_path);

/// Reads, parses and validates a config file.
caf::expected<config> load_config(const std::string& path);

/// Checks that every file the config names exists and is readable, and
/// that secret files are not readable by group or others.
caf::error check_files(const config& cfg);

/// Reads a secret from a file, dropping one trailing newline.
caf::expected<std::string> read_secret(const std::string& path);

} // namespace tropos::conf
