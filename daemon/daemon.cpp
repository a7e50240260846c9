#include "daemon/daemon.hpp"

#include "actors/heartbeats.hpp"
#include "actors/incident.hpp"
#include "actors/ingest_router.hpp"
#include "actors/interfaces.hpp"
#include "actors/notifier.hpp"
#include "actors/registry.hpp"
#include "actors/timer.hpp"
#include "actors/writer.hpp"
#include "channels/http_client.hpp"
#include "channels/log_channel.hpp"
#include "domain/error.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"
#include "storage/environment.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace tropos::daemon {

namespace {

// Waits for a callback-style actor request from the main thread, which is
// no asio thread, so blocking here is fine.
template <class T>
struct waiter {
  std::shared_ptr<std::promise<T>> promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
};

caf::error recover_count(caf::scoped_actor& self, const caf::actor& target,
                         std::string_view what) {
  caf::error failure;
  self->request(target, caf::infinite, actors::recover_atom::value)
    .receive(
      [&](size_t count) {
        spdlog::info("recovered what={} count={}", what, count);
      },
      [&](caf::error& err) { failure = std::move(err); });
  return failure;
}

// FNV-1a 64 of the resources file, stored to tell whether it changed.
std::string content_hash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return std::to_string(hash);
}

// Applies `path` unless the same content was applied before, so changes
// made through the API since (shift swaps, later applies) survive restarts.
caf::error apply_file(caf::scoped_actor& self, const caf::actor& registry,
                      const caf::actor& writer, storage::environment& env,
                      const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return make_error(ec::io_error, "cannot read resources file " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto hash = content_hash(text.str());
  auto key = "resources_file:" + path;
  if (auto txn = env.begin_read()) {
    auto stored = txn->get(storage::table::meta, key);
    if (stored && *stored && **stored == hash) {
      spdlog::info("resources-file-unchanged path={}", path);
      return {};
    }
  }
  waiter<caf::error> wait;
  actors::apply_resources(
    registry, text.str(),
    actors::apply_callback{
      [promise = wait.promise](caf::expected<actors::apply_summary> result) {
        promise->set_value(result ? caf::error{} : result.error());
      }});
  if (auto err = wait.future.get())
    return err;
  caf::error failure;
  self->request(writer, caf::infinite, actors::write_atom::value,
                storage::batch{{storage::table::meta, key, hash}})
    .receive([](bool) {}, [&](caf::error& err) { failure = std::move(err); });
  if (!failure)
    spdlog::info("resources-file-applied path={}", path);
  return failure;
}

struct secrets {
  std::string admin_token;
  std::string twilio_token;
  std::string smtp_password;
};

caf::expected<secrets> read_secrets(const conf::config& cfg) {
  secrets out;
  auto read = [](const std::string& path, std::string& into) -> caf::error {
    if (path.empty())
      return {};
    auto value = conf::read_secret(path);
    if (!value)
      return value.error();
    into = std::move(*value);
    return {};
  };
  if (auto err = read(cfg.server.admin_token_file, out.admin_token))
    return err;
  if (auto err = read(cfg.twilio.auth_token_file, out.twilio_token))
    return err;
  if (auto err = read(cfg.smtp.password_file, out.smtp_password))
    return err;
  return out;
}

caf::expected<std::shared_ptr<clock>> make_clock(const conf::config& cfg) {
  if (cfg.testing.clock != "manual")
    return std::shared_ptr<clock>{std::make_shared<system_clock>()};
  auto start = system_clock{}.now();
  if (!cfg.testing.clock_start.empty()) {
    auto parsed = parse_rfc3339(cfg.testing.clock_start);
    if (!parsed)
      return make_error(ec::config_error,
                        "testing.clock_start: " + detail_of(parsed.error()));
    start = *parsed;
  }
  spdlog::warn("clock-manual start={}: time moves only through "
               "POST /api/v1/testing/clock",
               format_rfc3339(start));
  return std::shared_ptr<clock>{std::make_shared<manual_clock>(start)};
}

/// An open lock file, unlocked and closed on destruction.
struct folder_lock {
  int fd = -1;

  folder_lock() = default;
  explicit folder_lock(int descriptor) : fd(descriptor) {
  }
  folder_lock(folder_lock&& other) noexcept : fd(std::exchange(other.fd, -1)) {
  }
  folder_lock& operator=(folder_lock&&) = delete;
  ~folder_lock() {
    if (fd >= 0)
      ::close(fd);
  }
};

caf::expected<folder_lock> lock_data_folder(const std::string& path) {
  std::error_code ec_fs;
  std::filesystem::create_directories(path, ec_fs);
  if (ec_fs)
    return make_error(ec::io_error,
                      "storage.path: cannot create " + path + ": "
                        + ec_fs.message());
  ::chmod(path.c_str(), 0700);
  auto lock_path = path + "/troposd.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(ec::io_error, "cannot open " + lock_path + ": "
                                      + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(ec::conflict, "another troposd is using " + path
                                      + " (lock " + lock_path + " is held)");
  }
  return folder_lock{fd};
}

caf::expected<storage::environment> open_storage(const conf::config& cfg) {
  auto sealer = storage::sealer::from_key_file(cfg.storage.key_file);
  if (!sealer)
    return sealer.error();
  storage::options opts;
  opts.path = cfg.storage.path;
  opts.map_size = cfg.storage.map_size_mib << 20;
  opts.no_sync = cfg.storage.no_sync;
  opts.no_meta_sync = cfg.storage.no_meta_sync;
  opts.write_map = cfg.storage.write_map;
  if (opts.no_sync || opts.no_meta_sync || opts.write_map)
    spdlog::warn("storage-durability-reduced no_sync={} no_meta_sync={} "
                 "write_map={}: a crash may lose accepted alerts",
                 opts.no_sync, opts.no_meta_sync, opts.write_map);
  return storage::environment::open(std::move(opts), std::move(*sealer));
}

actors::notifier_settings notifier_settings_of(const conf::config& cfg,
                                               const secrets& keys) {
  actors::notifier_settings s;
  s.mode = cfg.channels.mode;
  s.twilio_enabled = cfg.twilio.enabled;
  s.twilio_api_base = cfg.twilio.api_base;
  s.twilio_account_sid = cfg.twilio.account_sid;
  s.twilio_auth_token = keys.twilio_token;
  s.twilio_from = cfg.twilio.from_number;
  s.smtp_enabled = cfg.smtp.enabled;
  s.smtp_url = cfg.smtp.url;
  s.smtp_from = cfg.smtp.from;
  s.smtp_username = cfg.smtp.username;
  s.smtp_password = keys.smtp_password;
  return s;
}

void start_watchdog(boost::asio::io_context& io,
                    std::shared_ptr<boost::asio::steady_timer> timer,
                    std::chrono::microseconds interval) {
  timer->expires_after(interval);
  timer->async_wait([&io, timer, interval](boost::system::error_code err) {
    if (err)
      return;
    sd_notify(0, "WATCHDOG=1");
    start_watchdog(io, timer, interval);
  });
}

// Stops `targets` and waits up to 5 s for them to terminate.
//
// The actor system's destructor joins the detached writer's thread, which
// ends only when no actor keeps a reference to the writer. Every actor with
// the shared context keeps one, so those stop first (the router stops its
// incident actors), and the writer stops after them.
// NOTE: an incident actor whose resolve is still being committed when the
// writer stops gets an error and stays alive, so the process does not exit
// until systemd's stop timeout kills it.
void stop_actors(caf::actor_system& sys, std::vector<caf::actor> targets) {
  caf::scoped_actor self{sys};
  for (const auto& target : targets) {
    self->monitor(target);
    self->send_exit(target, caf::exit_reason::user_shutdown);
  }
  for (size_t i = 0; i < targets.size(); ++i)
    self->receive([](const caf::down_msg&) {},
                  caf::after(std::chrono::seconds{5}) >> [] {
                    spdlog::warn("actor-stop-timed-out");
                  });
}

} // namespace

void setup_logging() {
  std::shared_ptr<spdlog::logger> logger;
  if (std::getenv("JOURNAL_STREAM") != nullptr)
    logger = std::make_shared<spdlog::logger>(
      "troposd", std::make_shared<spdlog::sinks::systemd_sink_mt>("troposd"));
  else
    logger = std::make_shared<spdlog::logger>(
      "troposd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(spdlog::level::info);
  // Warnings and errors reach the log at once; info lines are flushed once
  // a second, since a flush per line cost two writes per alert.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds{1});
}

int run(const conf::config& cfg) {
  spdlog::info("troposd-starting config={}", cfg.source_path);
  auto keys = read_secrets(cfg);
  if (!keys) {
    spdlog::critical("startup-failed error={}", describe(keys.error()));
    return 1;
  }
  // One daemon per data folder: a second one would recover and apply into
  // the same LMDB files before failing to bind.
  auto lock = lock_data_folder(cfg.storage.path);
  if (!lock) {
    spdlog::critical("startup-failed error={}", describe(lock.error()));
    return 1;
  }
  auto env = open_storage(cfg);
  if (!env) {
    spdlog::critical("storage-open-failed path={} error={}", cfg.storage.path,
                     describe(env.error()));
    return 1;
  }
  auto clk = make_clock(cfg);
  if (!clk) {
    spdlog::critical("startup-failed error={}", describe(clk.error()));
    return 1;
  }
  auto settings = notifier_settings_of(cfg, *keys);
  if (cfg.channels.mode == "log") {
    auto outbox = channels::outbox_file::open(cfg.channels.outbox_file);
    if (!outbox) {
      spdlog::critical("outbox-open-failed error={}",
                       describe(outbox.error()));
      return 1;
    }
    settings.outbox = std::shared_ptr<channels::outbox_file>(
      std::move(*outbox));
    spdlog::warn("channels-log-mode outbox={}: nothing is sent to providers",
                 cfg.channels.outbox_file);
  }

  caf::actor_system_config caf_cfg;
  // An actor yields its thread after this many messages, so a long mailbox
  // (the notifier under load) cannot starve the others or the shutdown.
  caf_cfg.set("scheduler.max-throughput", size_t{300});
  caf::actor_system sys{caf_cfg};
  // Incident actors live until their incident resolves; shutdown must not
  // wait for them, since their state is already committed.
  sys.await_actors_before_shutdown(false);

  auto made_client = channels::http_client::make();
  if (!made_client) {
    spdlog::critical("http-client-failed error={}",
                     describe(made_client.error()));
    return 1;
  }
  std::shared_ptr<channels::http_client> client = std::move(*made_client);
  std::vector<caf::actor> long_lived;
  auto ctx = std::make_shared<actors::context>();
  ctx->clk = *clk;
  ctx->resources = std::make_shared<actors::resource_holder>();
  ctx->env = &*env;
  ctx->writer = actors::spawn_writer(sys, *env);
  ctx->timer = actors::spawn_timer(sys, ctx->clk);
  ctx->notifier = actors::spawn_notifier(sys, ctx, std::move(settings), client);
  ctx->router = actors::spawn_ingest_router(sys, ctx);
  ctx->heartbeats = actors::spawn_heartbeats(sys, ctx);
  auto registry = actors::spawn_registry(sys, ctx);

  // From here on every return stops the actors first: the actor system's
  // destructor would otherwise wait for the writer forever.
  struct actor_shutdown {
    caf::actor_system& sys;
    std::shared_ptr<actors::context> ctx;
    caf::actor registry;

    ~actor_shutdown() {
      auto holders = ctx->resources->schedule_actors();
      for (auto handle : {ctx->router, ctx->notifier, ctx->heartbeats,
                          ctx->timer, registry})
        holders.push_back(handle);
      stop_actors(sys, std::move(holders));
      caf::anon_send_exit(ctx->writer, caf::exit_reason::user_shutdown);
    }
  } shutdown_guard{sys, ctx, registry};

  // Recovery: resources first, since incidents and jobs refer to them.
  {
    caf::scoped_actor self{sys};
    caf::error err = recover_count(self, registry, "resource-objects");
    if (!err && !cfg.server.resources_file.empty()) {
      err = apply_file(self, registry, ctx->writer, *env,
                       cfg.server.resources_file);
    }
    if (!err)
      err = recover_count(self, ctx->router, "open-incidents");
    if (!err)
      err = recover_count(self, ctx->notifier, "outbox-jobs");
    if (!err)
      err = recover_count(self, ctx->heartbeats, "heartbeat-monitors");
    if (err) {
      spdlog::critical("recovery-failed error={}", describe(err));
      return 1;
    }
  }

  auto api = std::make_shared<http::api_context>();
  api->router = ctx->router;
  api->notifier = ctx->notifier;
  api->timer = ctx->timer;
  api->registry = registry;
  api->heartbeats = ctx->heartbeats;
  api->resources = ctx->resources;
  api->clk = ctx->clk;
  api->env = &*env;
  api->admin_token = keys->admin_token;
  api->public_url = cfg.server.public_url;
  api->twilio_auth_token = keys->twilio_token;

  std::shared_ptr<boost::asio::ssl::context> tls;
  if (!cfg.server.tls_cert.empty()) {
    auto made = http::make_tls_context(cfg.server.tls_cert, cfg.server.tls_key);
    if (!made) {
      spdlog::critical("tls-setup-failed error={}", describe(made.error()));
      return 1;
    }
    tls = *made;
  }
  http::limits limits;
  limits.max_body_bytes = cfg.server.max_body_bytes;
  limits.max_decoded_body_bytes = cfg.server.max_body_bytes;
  limits.max_connections = cfg.server.max_connections;
  boost::asio::io_context io{static_cast<int>(cfg.server.threads)};
  http::server server{io, cfg.server.listen, limits,
                      http::make_api_handler(api), tls};
  if (auto err = server.start()) {
    spdlog::critical("listen-failed address={} error={}", cfg.server.listen,
                     describe(err));
    return 1;
  }
  if (!tls)
    spdlog::warn("tls-disabled: serve troposd behind a TLS proxy, or set "
                 "[server] tls_cert and tls_key");

  boost::asio::signal_set signals{io, SIGTERM, SIGINT};
  signals.async_wait([&](boost::system::error_code err, int signal) {
    if (err)
      return;
    spdlog::info("troposd-stopping signal={}", signal);
    sd_notify(0, "STOPPING=1");
    server.stop();
  });
  uint64_t watchdog_usec = 0;
  auto watchdog = std::make_shared<boost::asio::steady_timer>(io);
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0)
    start_watchdog(io, watchdog,
                   std::chrono::microseconds{watchdog_usec / 2});

  api->ready = true;
  sd_notify(0, "READY=1");
  spdlog::info("troposd-ready listen={} port={}", cfg.server.listen,
               server.port());

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < cfg.server.threads; ++i)
    threads.emplace_back([&io] { io.run(); });
  // Runs until the server stopped and its last connection closed.
  signals.async_wait([&](boost::system::error_code, int) {});
  io.run();
  for (auto& t : threads)
    t.join();

  // Requests that got a response before the stop are committed. Commit
  // what an actor still queued, then stop the writer.
  {
    caf::scoped_actor self{sys};
    self->request(ctx->writer, std::chrono::seconds{10},
                  actors::write_atom::value, storage::batch{})
      .receive([](bool) {},
               [](caf::error& err) {
                 spdlog::error("final-commit-failed error={}", describe(err));
               });
  }
  watchdog->cancel();
  spdlog::info("troposd-stopped");
  return 0;
}

} // namespace tropos::daemon
