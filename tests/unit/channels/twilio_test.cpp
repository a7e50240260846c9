#include "channels/twilio.hpp"

#include "channels/sms_text.hpp"
#include "domain/error.hpp"
#include "tests/support/http_stub.hpp"
#include "tests/support/prism.hpp"

#include <gtest/gtest.h>

#include <future>

using namespace tropos;
using namespace tropos::channels;
using namespace std::chrono_literals;

namespace {

const std::string account_sid = "AC0123456789abcdef0123456789abcdef";

twilio_account make_account(std::string api_base) {
  return {std::move(api_base), account_sid, "5f1c0ffee5f1c0ffee5f1c0ffee5f1c0",
          "+15005550001"};
}

std::unique_ptr<http_client> make_client() {
  auto client = http_client::make();
  if (!client)
    throw std::runtime_error{describe(client.error())};
  return std::move(*client);
}

response send(http_client& client, request req) {
  std::promise<response> result;
  client.submit(std::move(req), [&](response reply) {
    result.set_value(std::move(reply));
  });
  auto future = result.get_future();
  if (future.wait_for(30s) != std::future_status::ready)
    throw std::runtime_error{"no response within 30 s"};
  return future.get();
}

response make_response(long status, std::string body) {
  response reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

} // namespace

TEST(EncodeForm, EscapesReservedCharacters) {
  EXPECT_EQ(encode_form({{"To", "+15005550006"},
                         {"Body", "Hi & bye = 100% caf\xC3\xA9 ~ok_-."}}),
            "To=%2B15005550006&Body=Hi+%26+bye+%3D+100%25+caf%C3%A9+~ok_-.");
  EXPECT_EQ(encode_form({}), "");
}

TEST(MakeSmsRequest, PostsFormWithBasicAuth) {
  auto req = make_sms_request(make_account("https://api.twilio.com/"),
                              "+15005550006", "Alert #345: disk full");
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://api.twilio.com/2010-04-01/Accounts/" + account_sid
                       + "/Messages.json");
  EXPECT_EQ(req.body, "To=%2B15005550006&From=%2B15005550001"
                      "&Body=Alert+%23345%3A+disk+full");
  EXPECT_EQ(req.basic_user, account_sid);
  EXPECT_EQ(req.basic_password, "5f1c0ffee5f1c0ffee5f1c0ffee5f1c0");
  using header = std::pair<std::string, std::string>;
  EXPECT_EQ(req.headers,
            (std::vector<header>{
              {"Content-Type", "application/x-www-form-urlencoded"},
              {"Accept", "application/json"}}));
}

TEST(MakeCallRequest, PostsUrlMethodAndStatusCallback) {
  auto req = make_call_request(make_account("https://api.twilio.com"),
                               "+15005550006",
                               "https://oncall.example.test/api/v1/twilio/voice",
                               "https://oncall.example.test/api/v1/twilio/status");
  EXPECT_EQ(req.url, "https://api.twilio.com/2010-04-01/Accounts/" + account_sid
                       + "/Calls.json");
  EXPECT_EQ(req.body,
            "To=%2B15005550006&From=%2B15005550001"
            "&Url=https%3A%2F%2Foncall.example.test%2Fapi%2Fv1%2Ftwilio%2Fvoice"
            "&Method=POST"
            "&StatusCallback=https%3A%2F%2Foncall.example.test%2Fapi%2Fv1%2F"
            "twilio%2Fstatus&StatusCallbackMethod=POST");

  auto without_callback = make_call_request(
    make_account("https://api.twilio.com"), "+15005550006",
    "https://oncall.example.test/voice", "");
  EXPECT_EQ(without_callback.body.find("StatusCallback"), std::string::npos);
}

TEST(ClassifyTwilioResponse, ReturnsSidOfCreatedMessage) {
  auto sid = classify_twilio_response(
    make_response(201, R"({"sid":"SM0123","status":"queued"})"));
  ASSERT_TRUE(sid) << describe(sid.error());
  EXPECT_EQ(*sid, "SM0123");
}

TEST(ClassifyTwilioResponse, RetriesSuccessWithoutSid) {
  auto sid = classify_twilio_response(make_response(201, "not json"));
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_failed);
}

TEST(ClassifyTwilioResponse, MasksPhoneNumberInErrorMessage) {
  auto sid = classify_twilio_response(make_response(
    400, R"({"code":21211,"message":"The 'To' number +15005550001 is not a )"
         R"(valid phone number.","status":400})"));
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_rejected);
  EXPECT_EQ(detail_of(sid.error()),
            "twilio returned HTTP 400: error 21211: The 'To' number "
            "+*******0001 is not a valid phone number.");
}

TEST(ClassifyTwilioResponse, RetriesTransportErrorsButNotPolicyRejections) {
  response refused;
  refused.transport_error = make_error(ec::delivery_failed, "curl error 7");
  auto sid = classify_twilio_response(refused);
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_failed);

  response timed_out;
  timed_out.transport_error = make_error(ec::timeout, "curl error 28");
  sid = classify_twilio_response(timed_out);
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_failed);

  response blocked;
  blocked.transport_error = make_error(ec::invalid_argument, "plain http");
  sid = classify_twilio_response(blocked);
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_rejected);
}

// ---- through the http client to a scripted stub ------------------------

TEST(TwilioStub, RateLimitIsRetryableWithRetryAfter) {
  test::http_stub stub{
    {{429, R"({"code":20429,"message":"Too Many Requests","status":429})",
      {{"Retry-After", "30"}}}}};
  auto client = make_client();

  auto reply = send(*client, make_sms_request(make_account(stub.base_url()),
                                               "+15005550006", "hi"));
  ASSERT_TRUE(reply.retry_after);
  EXPECT_EQ(*reply.retry_after, 30s);
  auto sid = classify_twilio_response(reply);
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_failed);
  EXPECT_EQ(detail_of(sid.error()),
            "twilio returned HTTP 429: error 20429: Too Many Requests "
            "(Retry-After 30 s)");
}

TEST(TwilioStub, ServerErrorIsRetryable) {
  test::http_stub stub{{{500, "internal error"}}};
  auto client = make_client();
  auto reply = send(*client, make_sms_request(make_account(stub.base_url()),
                                               "+15005550006", "hi"));
  auto sid = classify_twilio_response(reply);
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_failed);
  EXPECT_EQ(detail_of(sid.error()),
            "twilio returned HTTP 500: no Twilio error body");
}

TEST(TwilioStub, UnsubscribedRecipientIsPermanent) {
  test::http_stub stub{{{400, R"({"code":21610,"message":"Attempt to send )"
                              R"(to unsubscribed recipient","status":400})"}}};
  auto client = make_client();
  auto reply = send(*client, make_sms_request(make_account(stub.base_url()),
                                               "+15005550006", "hi"));
  auto sid = classify_twilio_response(reply);
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_rejected);
  EXPECT_EQ(detail_of(sid.error()),
            "twilio returned HTTP 400: error 21610: Attempt to send to "
            "unsubscribed recipient");

  auto requests = stub.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target,
            "/2010-04-01/Accounts/" + account_sid + "/Messages.json");
  EXPECT_EQ(requests[0].body, "To=%2B15005550006&From=%2B15005550001&Body=hi");
}

// ---- through the http client to Prism serving Twilio's OpenAPI spec ----

class TwilioPrism : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    try {
      prism_ = std::make_unique<test::prism_server>(
        std::filesystem::path{TROPOS_SHARED_DIR} / "specs/twilio_api_v2010.json",
        test::default_prism_path());
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    prism_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(prism_) << "Prism did not start: " << start_error_;
  }

  static inline std::unique_ptr<test::prism_server> prism_;
  static inline std::string start_error_;
};

TEST_F(TwilioPrism, SmsAndCallRequestsConformToSpec) {
  auto client = make_client();
  auto account = make_account(prism_->base_url());

  auto body = render_sms("Tropos", 345, std::string(5000, 'x'), 12);
  auto sms = send(*client, make_sms_request(account, "+15005550006", body));
  EXPECT_EQ(sms.status, 201) << sms.body << "\n" << prism_->log();
  auto sms_sid = classify_twilio_response(sms);
  ASSERT_TRUE(sms_sid) << describe(sms_sid.error());
  EXPECT_EQ(sms_sid->substr(0, 2), "SM");

  auto call = send(*client, make_call_request(
                              account, "+15005550006",
                              "https://oncall.example.test/api/v1/twilio/voice",
                              "https://oncall.example.test/api/v1/twilio/status"));
  EXPECT_EQ(call.status, 201) << call.body << "\n" << prism_->log();
  auto call_sid = classify_twilio_response(call);
  ASSERT_TRUE(call_sid) << describe(call_sid.error());
  EXPECT_EQ(call_sid->substr(0, 2), "CA");
}

TEST_F(TwilioPrism, RequestWithoutToGets422) {
  auto client = make_client();
  auto req = make_sms_request(make_account(prism_->base_url()),
                              "+15005550006", "hi");
  req.body = encode_form({{"From", "+15005550001"}, {"Body", "hi"}});

  auto reply = send(*client, req);
  EXPECT_EQ(reply.status, 422) << reply.body;
  auto sid = classify_twilio_response(reply);
  ASSERT_FALSE(sid);
  EXPECT_EQ(code_of(sid.error()), ec::delivery_rejected);
  EXPECT_NE(prism_->log().find("must have required property 'To'"),
            std::string::npos)
    << prism_->log();
}
