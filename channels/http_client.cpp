#include "channels/http_client.hpp"

#include "domain/error.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace tropos::channels {

namespace {

constexpr auto max_retry_after = std::chrono::hours{24 * 365};

// ---- curl handles -----------------------------------------------------

struct slist_deleter {
  void operator()(curl_slist* list) const noexcept {
    curl_slist_free_all(list);
  }
};

using slist_handle = std::unique_ptr<curl_slist, slist_deleter>;

// Appends `text` to `list`. Returns false when curl ran out of memory.
bool append(slist_handle& list, const std::string& text) {
  auto* extended = curl_slist_append(list.get(), text.c_str());
  if (extended == nullptr)
    return false;
  list.release();
  list.reset(extended);
  return true;
}

// Returns true when `url` starts with "`scheme`://", ignoring case.
bool starts_with_scheme(std::string_view url, std::string_view scheme) {
  if (url.size() < scheme.size() + 3)
    return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i])
      return false;
  return url.substr(scheme.size(), 3) == "://";
}

std::string curl_failure_text(CURLcode rc, const char* error_buffer) {
  std::string text = "curl error " + std::to_string(static_cast<int>(rc))
                     + " (" + curl_easy_strerror(rc) + ")";
  if (error_buffer != nullptr && error_buffer[0] != '\0')
    text += ": " + std::string{error_buffer};
  return text;
}

// ---- transfers --------------------------------------------------------

// One HTTP request or SMTP transaction and the callback waiting for it.
// Exactly one of `complete` and `fail` runs, once, on the client thread
// (or on the caller's thread after shutdown).
class transfer {
public:
  transfer() : easy_(curl_easy_init()) {
    error_buffer_[0] = '\0';
  }

  virtual ~transfer() {
    if (easy_ != nullptr)
      curl_easy_cleanup(easy_);
  }

  transfer(const transfer&) = delete;
  transfer& operator=(const transfer&) = delete;

  CURL* easy() const noexcept {
    return easy_;
  }

  /// Set when the transfer failed validation; it then never starts.
  caf::error early_error;

  /// Finishes a transfer that curl ran to the end, successfully or not.
  virtual void complete(CURLcode rc) = 0;

  /// Finishes a transfer that did not run, or was aborted, with `err`.
  virtual void fail(caf::error err) = 0;

protected:
  // Applies the settings shared by HTTP and SMTP: the allowed protocols,
  // timeouts, certificate checks and the error buffer.
  CURLcode set_common(const std::string& url, const char* protocols,
                      std::chrono::milliseconds connect_timeout,
                      std::chrono::milliseconds timeout,
                      transport_security security) {
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption option, auto value) {
      if (rc == CURLE_OK)
        rc = curl_easy_setopt(easy_, option, value);
    };
    set(CURLOPT_URL, url.c_str());
    set(CURLOPT_PROTOCOLS_STR, protocols);
    set(CURLOPT_FOLLOWLOCATION, 0L);
    // Without NOSIGNAL, curl may use SIGALRM for DNS timeouts, which is
    // unsafe in a multi-threaded process.
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(std::min(connect_timeout, timeout).count()));
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    set(CURLOPT_SSL_VERIFYPEER, 1L);
    set(CURLOPT_SSL_VERIFYHOST, 2L);
    set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    set(CURLOPT_ERRORBUFFER, error_buffer_);
    // A proxy from the environment must not see traffic meant for a
    // loopback stand-in.
    if (security == transport_security::loopback_plaintext)
      set(CURLOPT_PROXY, "");
    return rc;
  }

  CURL* easy_;
  char error_buffer_[CURL_ERROR_SIZE];
};

class http_transfer final : public transfer {
public:
  http_transfer(request req, std::function<void(response)> done,
                std::size_t max_body)
    : request_(std::move(req)), done_(std::move(done)), max_body_(max_body) {
    operation_ = request_.method + " " + redact_url(request_.url);
  }

  caf::error setup(const http_client_options& options,
                   transport_security security);

  void complete(CURLcode rc) override;

  void fail(caf::error err) override {
    response result;
    result.transport_error = std::move(err);
    done_(std::move(result));
  }

private:
  static size_t on_body(char* data, size_t size, size_t count, void* self) {
    auto* transfer = static_cast<http_transfer*>(self);
    auto bytes = size * count;
    if (transfer->body_.size() + bytes > transfer->max_body_) {
      transfer->too_large_ = true;
      return 0; // Makes curl abort with CURLE_WRITE_ERROR.
    }
    transfer->body_.append(data, bytes);
    return bytes;
  }

  std::optional<std::chrono::seconds> read_retry_after();

  request request_;
  std::function<void(response)> done_;
  std::size_t max_body_;
  std::string operation_;
  std::string body_;
  bool too_large_ = false;
  slist_handle headers_;
};

caf::error http_transfer::setup(const http_client_options& options,
                                transport_security security) {
  auto invalid = [&](std::string detail) {
    return make_error(ec::invalid_argument, operation_ + ": " + detail);
  };
  const auto& method = request_.method;
  bool token = !method.empty()
               && std::all_of(method.begin(), method.end(), [](char c) {
                    return c >= 'A' && c <= 'Z';
                  });
  if (!token)
    return invalid("method must be an upper-case token such as POST");
  // curl reads a timeout of 0 as "no limit".
  if (request_.timeout <= std::chrono::milliseconds{0})
    return invalid("timeout must be positive");

  // Header lines are built here, so a CR or LF in them would inject
  // further headers.
  for (const auto& [name, value] : request_.headers) {
    bool bad_name = name.empty()
                    || name.find_first_of(":\r\n \t") != std::string::npos;
    if (bad_name || value.find_first_of("\r\n") != std::string::npos)
      return invalid("header names must be tokens and header values must "
                     "not contain CR or LF");
    if (!append(headers_, name + ": " + value))
      return make_error(ec::delivery_failed, operation_ + ": out of memory");
  }
  // Without this curl waits up to a second for "100 Continue" before
  // sending a large body.
  if (!append(headers_, "Expect:"))
    return make_error(ec::delivery_failed, operation_ + ": out of memory");

  CURLcode rc = set_common(request_.url, "http,https",
                           options.connect_timeout, request_.timeout,
                           security);
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(easy_, option, value);
  };
  set(CURLOPT_HTTPHEADER, headers_.get());
  set(CURLOPT_USERAGENT, options.user_agent.c_str());
  set(CURLOPT_MAXFILESIZE_LARGE,
      static_cast<curl_off_t>(options.max_response_bytes));
  set(CURLOPT_WRITEFUNCTION, &http_transfer::on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  if (!request_.basic_user.empty()) {
    set(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    set(CURLOPT_USERNAME, request_.basic_user.c_str());
    set(CURLOPT_PASSWORD, request_.basic_password.c_str());
  }

  // GET and HEAD carry no body; any other method sends `body` as is.
  if (method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else {
    set(CURLOPT_POSTFIELDS, request_.body.data());
    set(CURLOPT_POSTFIELDSIZE_LARGE,
        static_cast<curl_off_t>(request_.body.size()));
    if (method != "POST")
      set(CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  if (rc != CURLE_OK)
    return make_error(ec::delivery_failed,
                      operation_ + ": setting up the transfer failed: "
                        + curl_failure_text(rc, nullptr));
  return {};
}

std::optional<std::chrono::seconds> http_transfer::read_retry_after() {
  curl_header* header = nullptr;
  if (curl_easy_header(easy_, "Retry-After", 0, CURLH_HEADER, -1, &header)
      != CURLHE_OK)
    return std::nullopt;
  auto now = date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return parse_retry_after(header->value, now);
}

void http_transfer::complete(CURLcode rc) {
  response result;
  long status = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);

  if (rc == CURLE_OK) {
    result.status = status;
    result.body = std::move(body_);
    result.retry_after = read_retry_after();
  } else if (too_large_ || rc == CURLE_FILESIZE_EXCEEDED) {
    result.status = status;
    result.transport_error = make_error(
      ec::too_large, operation_ + ": response body exceeds "
                       + std::to_string(max_body_) + " bytes: "
                       + curl_failure_text(rc, error_buffer_));
  } else {
    auto code = rc == CURLE_OPERATION_TIMEDOUT ? ec::timeout
                                               : ec::delivery_failed;
    result.transport_error = make_error(
      code, operation_ + " failed: " + curl_failure_text(rc, error_buffer_));
  }
  done_(std::move(result));
}

class mail_transfer final : public transfer {
public:
  mail_transfer(mail_request mail, std::function<void(caf::error)> done)
    : mail_(std::move(mail)), done_(std::move(done)) {
    operation_ = "SMTP to " + redact_url(mail_.url);
  }

  caf::error setup(const http_client_options& options,
                   transport_security security);

  void complete(CURLcode rc) override;

  void fail(caf::error err) override {
    done_(std::move(err));
  }

private:
  static size_t on_read(char* buffer, size_t size, size_t count, void* self) {
    auto* transfer = static_cast<mail_transfer*>(self);
    auto remaining = transfer->message_.size() - transfer->offset_;
    auto bytes = std::min(size * count, remaining);
    std::copy_n(transfer->message_.data() + transfer->offset_, bytes, buffer);
    transfer->offset_ += bytes;
    return bytes;
  }

  mail_request mail_;
  std::function<void(caf::error)> done_;
  std::string operation_;
  std::string sender_;
  std::string message_;
  std::size_t offset_ = 0;
  slist_handle recipients_;
};

caf::error mail_transfer::setup(const http_client_options& options,
                                transport_security security) {
  auto sender = sender_address(mail_.from_header);
  if (!sender)
    return sender.error();
  sender_ = std::move(*sender);

  // The Message-ID's domain defaults to the sender's, which the sender
  // controls, so the ID stays unique to this system.
  auto domain = mail_.message_id_domain;
  if (domain.empty())
    domain = sender_.substr(sender_.rfind('@') + 1);
  auto now = date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto message = build_message(mail_, now, make_message_id(domain));
  if (!message)
    return message.error();
  message_ = std::move(*message);

  if (!append(recipients_, mail_.to_address))
    return make_error(ec::delivery_failed, operation_ + ": out of memory");

  CURLcode rc = set_common(mail_.url, "smtp,smtps", options.connect_timeout,
                           options.mail_timeout, security);
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(easy_, option, value);
  };
  // Plain SMTP is allowed only to loopback; every other connection must
  // switch to TLS or fail.
  long use_ssl = security == transport_security::loopback_plaintext
                   ? static_cast<long>(CURLUSESSL_NONE)
                   : static_cast<long>(CURLUSESSL_ALL);
  set(CURLOPT_USE_SSL, use_ssl);
  set(CURLOPT_MAIL_FROM, sender_.c_str());
  set(CURLOPT_MAIL_RCPT, recipients_.get());
  set(CURLOPT_UPLOAD, 1L);
  set(CURLOPT_READFUNCTION, &mail_transfer::on_read);
  set(CURLOPT_READDATA, static_cast<void*>(this));
  set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message_.size()));
  if (!mail_.username.empty()) {
    set(CURLOPT_USERNAME, mail_.username.c_str());
    set(CURLOPT_PASSWORD, mail_.password.c_str());
  }

  if (rc != CURLE_OK)
    return make_error(ec::delivery_failed,
                      operation_ + ": setting up the transfer failed: "
                        + curl_failure_text(rc, nullptr));
  return {};
}

void mail_transfer::complete(CURLcode rc) {
  if (rc == CURLE_OK) {
    done_(caf::error{});
    return;
  }

  // A 5xx reply is permanent by RFC 5321, and so are refused credentials
  // and a server without STARTTLS: retrying changes none of them.
  long reply = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &reply);
  bool permanent = (reply >= 500 && reply < 600) || rc == CURLE_LOGIN_DENIED
                   || rc == CURLE_USE_SSL_FAILED;
  auto detail = operation_ + " failed";
  if (reply != 0)
    detail += " with reply " + std::to_string(reply);
  detail += ": " + curl_failure_text(rc, error_buffer_);
  done_(make_error(permanent ? ec::delivery_rejected : ec::delivery_failed,
                   std::move(detail)));
}

std::once_flag curl_initialized;
CURLcode curl_init_result = CURLE_OK;

} // namespace

// ---- Retry-After ------------------------------------------------------

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      date::sys_seconds now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;

  // Delta seconds: digits only. A number too large for 64 bits is still a
  // valid (if silly) value, so it becomes the cap.
  bool digits = std::all_of(value.begin(), value.end(),
                            [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    uint64_t seconds = 0;
    auto [end, error] = std::from_chars(value.data(),
                                        value.data() + value.size(), seconds);
    std::chrono::seconds cap = max_retry_after;
    if (error != std::errc{} || seconds > static_cast<uint64_t>(cap.count()))
      return cap;
    return std::chrono::seconds{static_cast<int64_t>(seconds)};
  }

  // HTTP-date in the IMF-fixdate form that RFC 9110 requires senders to
  // use; the obsolete forms are not accepted.
  std::istringstream input{std::string{value}};
  date::sys_seconds when;
  input >> date::parse("%a, %d %b %Y %H:%M:%S GMT", when);
  if (input.fail())
    return std::nullopt;
  if (when <= now)
    return std::chrono::seconds{0};
  return std::min<std::chrono::seconds>(when - now, max_retry_after);
}

// ---- client -----------------------------------------------------------

struct http_client::impl {
  http_client_options options;
  CURLM* multi = nullptr;
  std::thread thread;

  // Guarded by `mutex`.
  std::mutex mutex;
  std::vector<std::unique_ptr<transfer>> queued;
  bool stopping = false;
  bool closed = false;

  // Owned by the client thread.
  std::unordered_map<CURL*, std::unique_ptr<transfer>> running;

  ~impl() {
    if (multi != nullptr)
      curl_multi_cleanup(multi);
  }

  void enqueue(std::unique_ptr<transfer> item);
  void run();
  void start_queued(std::vector<std::unique_ptr<transfer>>& batch,
                    bool draining);
  void collect_finished();
  void abort_all();
};

void http_client::impl::enqueue(std::unique_ptr<transfer> item) {
  {
    std::lock_guard guard{mutex};
    if (!closed) {
      queued.push_back(std::move(item));
      // Still under the lock: the thread sets `closed` under it before it
      // cleans up the multi handle.
      curl_multi_wakeup(multi);
      return;
    }
  }
  item->fail(make_error(ec::unavailable, "the http client has shut down"));
}

void http_client::impl::start_queued(
  std::vector<std::unique_ptr<transfer>>& batch, bool draining) {
  for (auto& item : batch) {
    if (draining) {
      item->fail(make_error(ec::unavailable,
                            "the http client shut down before the transfer "
                            "started"));
      continue;
    }
    if (item->early_error) {
      item->fail(std::move(item->early_error));
      continue;
    }
    if (auto rc = curl_multi_add_handle(multi, item->easy()); rc != CURLM_OK) {
      item->fail(make_error(ec::delivery_failed,
                            std::string{"curl_multi_add_handle failed: "}
                              + curl_multi_strerror(rc)));
      continue;
    }
    auto* easy = item->easy();
    running.emplace(easy, std::move(item));
  }
  batch.clear();
}

void http_client::impl::collect_finished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
    if (message->msg != CURLMSG_DONE)
      continue;
    auto found = running.find(message->easy_handle);
    if (found == running.end())
      continue;
    auto item = std::move(found->second);
    running.erase(found);
    auto rc = message->data.result;
    curl_multi_remove_handle(multi, item->easy());
    item->complete(rc);
  }
}

void http_client::impl::abort_all() {
  for (auto& [easy, item] : running) {
    curl_multi_remove_handle(multi, easy);
    item->fail(make_error(ec::unavailable,
                          "the http client shut down before the transfer "
                          "finished"));
  }
  running.clear();
}

void http_client::impl::run() {
  using clock = std::chrono::steady_clock;
  std::vector<std::unique_ptr<transfer>> batch;
  bool draining = false;
  clock::time_point deadline;

  for (;;) {
    {
      std::lock_guard guard{mutex};
      batch.swap(queued);
      if (stopping && !draining) {
        draining = true;
        deadline = clock::now() + options.shutdown_grace;
      }
    }
    start_queued(batch, draining);

    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    collect_finished();

    if (draining && (running.empty() || clock::now() >= deadline))
      break;

    // Poll at most a second at a time; a wakeup from `enqueue` or the
    // destructor ends the wait early.
    auto wait = std::chrono::milliseconds{1000};
    if (draining) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline
                                                               - clock::now());
      wait = std::clamp(left, std::chrono::milliseconds{0}, wait);
    }
    curl_multi_poll(multi, nullptr, 0, static_cast<int>(wait.count()),
                    nullptr);
  }

  abort_all();
  {
    std::lock_guard guard{mutex};
    closed = true;
    batch.swap(queued);
  }
  start_queued(batch, true);
}

caf::expected<std::unique_ptr<http_client>>
http_client::make(http_client_options options) {
  std::call_once(curl_initialized, [] {
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
  });
  if (curl_init_result != CURLE_OK)
    return make_error(ec::unavailable,
                      std::string{"curl_global_init failed: "}
                        + curl_easy_strerror(curl_init_result));

  auto state = std::make_unique<impl>();
  state->options = std::move(options);
  state->multi = curl_multi_init();
  if (state->multi == nullptr)
    return make_error(ec::unavailable, "curl_multi_init failed");

  try {
    state->thread = std::thread{[raw = state.get()] { raw->run(); }};
  } catch (const std::system_error& e) {
    return make_error(ec::unavailable,
                      std::string{"starting the http client thread failed: "}
                        + e.what());
  }
  return std::unique_ptr<http_client>{new http_client{std::move(state)}};
}

http_client::http_client(std::unique_ptr<impl> state)
  : impl_(std::move(state)) {
}

http_client::~http_client() {
  {
    std::lock_guard guard{impl_->mutex};
    impl_->stopping = true;
    curl_multi_wakeup(impl_->multi);
  }
  impl_->thread.join();
}

void http_client::submit(request req, std::function<void(response)> done) {
  auto security = check_transport_policy(req.url);
  bool web = starts_with_scheme(req.url, "http")
             || starts_with_scheme(req.url, "https");
  auto redacted = redact_url(req.url);
  auto item = std::make_unique<http_transfer>(std::move(req), std::move(done),
                                              impl_->options.max_response_bytes);

  // Failures found here are reported from the client thread like any other
  // result, so callers see a single delivery path.
  if (!security)
    item->early_error = std::move(security.error());
  else if (!web)
    item->early_error = make_error(
      ec::invalid_argument,
      "url " + redacted + " must use https or http");
  else if (item->easy() == nullptr)
    item->early_error = make_error(ec::delivery_failed,
                                   "curl_easy_init failed");
  else
    item->early_error = item->setup(impl_->options, *security);
  impl_->enqueue(std::move(item));
}

void http_client::submit_mail(mail_request mail,
                              std::function<void(caf::error)> done) {
  auto security = check_transport_policy(mail.url);
  bool smtp = starts_with_scheme(mail.url, "smtp")
              || starts_with_scheme(mail.url, "smtps");
  auto redacted = redact_url(mail.url);
  auto item = std::make_unique<mail_transfer>(std::move(mail), std::move(done));

  if (!security)
    item->early_error = std::move(security.error());
  else if (!smtp)
    item->early_error = make_error(
      ec::invalid_argument, "url " + redacted + " must use smtps or smtp");
  else if (item->easy() == nullptr)
    item->early_error = make_error(ec::delivery_failed,
                                   "curl_easy_init failed");
  else
    item->early_error = item->setup(impl_->options, *security);
  impl_->enqueue(std::move(item));
}

} // namespace tropos::channels
