#include "conf/config.hpp"

#include "domain/error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using tropos::conf::parse_config;

constexpr const char* minimal = R"(
[storage]
path = "data"
key_file = "storage.key"
)";

std::string error_of(std::string_view text) {
  auto cfg = parse_config(text, "/etc/tropos/troposd.toml");
  return cfg ? std::string{} : tropos::detail_of(cfg.error());
}

TEST(Config, MinimalConfigGetsDefaults) {
  auto cfg = parse_config(minimal, "/etc/tropos/troposd.toml");
  ASSERT_TRUE(cfg) << tropos::describe(cfg.error());
  EXPECT_EQ(cfg->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(cfg->storage.path, "/etc/tropos/data");
  EXPECT_EQ(cfg->storage.key_file, "/etc/tropos/storage.key");
  EXPECT_EQ(cfg->security.session_idle, std::chrono::minutes{15});
  EXPECT_FALSE(cfg->twilio.enabled);
  EXPECT_EQ(cfg->channels.mode, "live");
}

TEST(Config, SharedExampleIsAccepted) {
  std::ifstream in{std::string{TROPOS_SHARED_DIR} + "/examples/troposd.toml"};
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto cfg = parse_config(text.str(), "/etc/tropos/troposd.toml");
  ASSERT_TRUE(cfg) << tropos::describe(cfg.error());
  EXPECT_EQ(cfg->twilio.account_sid, "AC00000000000000000000000000000000");
  EXPECT_EQ(cfg->oidc_providers.size(), 1u);
  EXPECT_EQ(cfg->oidc_providers[0].name, "okta");
  EXPECT_EQ(cfg->security.password_min_length, 12u);
}

TEST(Config, ErrorsNameTheKey) {
  struct row {
    std::string text;
    std::string expected;
  };
  std::vector<row> rows{
    {std::string{minimal} + "[server]\nlisten = 8080\n",
     "server.listen: expected a string"},
    {std::string{minimal} + "[server]\nlistne = \"x:1\"\n",
     "server.listne: unknown key"},
    {"[storage]\npath = \"data\"\n", "storage.key_file: missing"},
    {std::string{minimal} + "[smtp]\nurl = \"smtp://mail.example.test:25\"\n"
                            "from = \"a@example.test\"\n",
     "smtp.url: plain smtp is only allowed to loopback addresses; use smtps"},
    {std::string{minimal} + "[twilio]\naccount_sid = \"AC1\"\n"
                            "auth_token_file = \"t\"\nfrom_number = \"+1\"\n",
     "twilio.account_sid: expected AC followed by 32 characters"},
    {std::string{minimal} + "[security]\nsession_idle = \"15 minutes\"\n",
     "security.session_idle: invalid duration \"15 minutes\" (expected a "
     "number with a unit: ms, s, m, h or d, e.g. \"5m\")"},
    {std::string{minimal} + "[channels]\nmode = \"log\"\n",
     "channels.outbox_file: required when mode is \"log\""},
    {std::string{minimal} + "[oidc]\n[[oidc.providers]]\nname = \"g\"\n",
     "oidc.providers[0].issuer: missing"},
    {std::string{minimal} + "[server]\nlisten = \"127.0.0.1:99999\"\n",
     "server.listen: expected host:port with a port from 0 to 65535, e.g. "
     "127.0.0.1:8080"},
  };
  for (const auto& r : rows)
    EXPECT_EQ(error_of(r.text), r.expected) << r.text;
}

TEST(Config, SyntaxErrorNamesLine) {
  auto err = error_of("[storage\npath = 1\n");
  EXPECT_NE(err.find("troposd.toml:1:"), std::string::npos) << err;
}

#ifndef TROPOS_TESTING
TEST(Config, ManualClockNeedsTestBuild) {
  auto err = error_of(std::string{minimal} + "[testing]\nclock = \"manual\"\n");
  EXPECT_NE(err.find("testing.clock"), std::string::npos);
}
#endif

} // namespace
