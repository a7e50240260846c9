// troposctl: a command-line client of the troposd REST API.

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr const char* usage = R"(usage: troposctl [--url URL] COMMAND [ARGS]

Talks to the troposd REST API. The bearer token is read from TROPOS_TOKEN.

  --url URL                    daemon base URL (default $TROPOS_URL or
                               http://127.0.0.1:8080)
commands:
  apply -f FILE.toml           apply a resources file as one change
  oncall SCHEDULE [--at TIME]  who is on call now or at an RFC 3339 instant
  incidents [--status S]       list incidents (triggered, acknowledged,
                               resolved)
  incident ID                  show one incident with its timeline
  ack ID                       acknowledge an incident
  resolve ID                   resolve an incident
)";

struct reply {
  long status = 0;
  std::string body;
  std::string error;
};

size_t collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

reply call(const std::string& method, const std::string& url,
           const std::string& token, const std::string& body,
           const std::string& content_type) {
  reply out;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    out.error = "curl_easy_init failed";
    return out;
  }
  curl_slist* headers = nullptr;
  std::string auth = "Authorization: Bearer " + token;
  headers = curl_slist_append(headers, auth.c_str());
  if (!content_type.empty())
    headers = curl_slist_append(headers,
                                ("Content-Type: " + content_type).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  auto rc = curl_easy_perform(curl);
  if (rc != CURLE_OK)
    out.error = curl_easy_strerror(rc);
  else
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return out;
}

std::string url_escape(const std::string& text) {
  std::string out;
  char buf[4];
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Prints the body (pretty JSON when it is JSON) and maps the status to an
// exit code: 0 for 2xx, 1 otherwise.
int finish(const reply& r) {
  if (!r.error.empty()) {
    std::fprintf(stderr, "troposctl: request failed: %s\n", r.error.c_str());
    return 1;
  }
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  auto text = doc.is_discarded() ? r.body : doc.dump(2);
  if (r.status >= 200 && r.status < 300) {
    std::cout << text << "\n";
    return 0;
  }
  std::cerr << "troposctl: HTTP " << r.status << ": " << text << "\n";
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string base = std::getenv("TROPOS_URL") ? std::getenv("TROPOS_URL")
                                                : "http://127.0.0.1:8080";
  if (args.size() >= 2 && args[0] == "--url") {
    base = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(usage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const char* token_env = std::getenv("TROPOS_TOKEN");
  std::string token = token_env ? token_env : "";
  if (token.empty()) {
    std::fprintf(stderr, "troposctl: TROPOS_TOKEN is not set\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const auto& cmd = args[0];
  auto api = base + "/api/v1";
  if (cmd == "apply" && args.size() == 3 && args[1] == "-f") {
    std::ifstream in{args[2], std::ios::binary};
    if (!in) {
      std::fprintf(stderr, "troposctl: cannot read %s\n", args[2].c_str());
      return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    return finish(
      call("POST", api + "/apply", token, text.str(), "application/toml"));
  }
  if (cmd == "oncall" && (args.size() == 2 || args.size() == 4)) {
    auto url = api + "/schedules/" + url_escape(args[1]) + "/on-call";
    if (args.size() == 4 && args[2] == "--at")
      url += "?at=" + url_escape(args[3]);
    return finish(call("GET", url, token, "", ""));
  }
  if (cmd == "incidents" && (args.size() == 1 || args.size() == 3)) {
    auto url = api + "/incidents";
    if (args.size() == 3 && args[1] == "--status")
      url += "?status=" + url_escape(args[2]);
    return finish(call("GET", url, token, "", ""));
  }
  if (cmd == "incident" && args.size() == 2)
    return finish(
      call("GET", api + "/incidents/" + url_escape(args[1]), token, "", ""));
  if ((cmd == "ack" || cmd == "resolve") && args.size() == 2) {
    auto action = cmd == "ack" ? "acknowledge" : "resolve";
    return finish(call("POST",
                       api + "/incidents/" + url_escape(args[1]) + "/" + action,
                       token, "", "application/json"));
  }
  std::fprintf(stderr, "troposctl: unknown command or arguments\n%s", usage);
  return 2;
}
