#include "auth/twilio_signature.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using tropos::auth::twilio_signature;
using tropos::auth::verify_twilio_signature;
using params_t = std::vector<std::pair<std::string, std::string>>;

// A Twilio account behind a TLS proxy on port 8443. Expected signatures
// were computed with `openssl dgst -sha1 -hmac TOKEN -binary | base64`.
const std::string token = "5f1c0ffee5f1c0ffee5f1c0ffee5f1c0";
const std::string public_base = "https://oncall.example.test:8443";
const std::string target = "/api/v1/twilio/sms";

const params_t sms_params = {
  {"AccountSid", "AC00000000000000000000000000000000"},
  {"Body", "12a"},
  {"From", "+15005550006"},
  {"MessageSid", "SM11111111111111111111111111111111"},
  {"To", "+15005550001"},
};

const std::string signed_with_port = "AGAgjzvtPrSQoFWfQi7EyFOzglU=";
const std::string signed_without_port = "NrimlzaCeD8MnxRXAWtdUOdvtaI=";
const std::string signed_internal_url = "AbgtcWqU2t8fZSN+6HYQsJ4MQY8=";
const std::string signed_http_scheme = "bhnIK7U6sd9YmV7zL0EBOFFmyaA=";
const std::string signed_default_port = "M/v5ma9kzsZ3gTLbsaRrOw0clBY=";

TEST(TwilioSignature, ComputesSignatureWithPort) {
  EXPECT_EQ(twilio_signature(token,
                             "https://oncall.example.test:8443/api/v1/twilio/sms",
                             sms_params),
            signed_with_port);
}

TEST(TwilioSignature, ComputesSignatureWithoutPort) {
  EXPECT_EQ(twilio_signature(token,
                             "https://oncall.example.test/api/v1/twilio/sms",
                             sms_params),
            signed_without_port);
}

TEST(TwilioSignature, SortsParamsByName) {
  params_t shuffled = {sms_params[4], sms_params[1], sms_params[3],
                       sms_params[0], sms_params[2]};
  EXPECT_EQ(twilio_signature(token,
                             "https://oncall.example.test:8443/api/v1/twilio/sms",
                             shuffled),
            signed_with_port);
}

TEST(TwilioSignature, SortsRepeatedNamesByValue) {
  params_t params = {{"MediaUrl0", "https://a.example.test/2"},
                     {"Digits", "4"},
                     {"MediaUrl0", "https://a.example.test/1"}};
  EXPECT_EQ(twilio_signature(token,
                             "https://oncall.example.test:8443/api/v1/twilio/voice",
                             params),
            "fgECAdK6EGqc8S06DilyZxIlOVQ=");
}

TEST(TwilioSignature, AcceptsUrlSignedWithPort) {
  EXPECT_TRUE(verify_twilio_signature(token, public_base, target, sms_params,
                                      signed_with_port));
}

TEST(TwilioSignature, AcceptsUrlSignedWithoutPort) {
  EXPECT_TRUE(verify_twilio_signature(token, public_base, target, sms_params,
                                      signed_without_port));
}

TEST(TwilioSignature, RejectsInternalUrl) {
  EXPECT_FALSE(verify_twilio_signature(token, public_base, target, sms_params,
                                       signed_internal_url));
}

TEST(TwilioSignature, RejectsWrongScheme) {
  EXPECT_FALSE(verify_twilio_signature(token, public_base, target, sms_params,
                                       signed_http_scheme));
}

TEST(TwilioSignature, RejectsTamperedBody) {
  auto tampered = sms_params;
  tampered[1].second = "12c";
  EXPECT_FALSE(verify_twilio_signature(token, public_base, target, tampered,
                                       signed_with_port));
}

TEST(TwilioSignature, RejectsMissingHeader) {
  EXPECT_FALSE(verify_twilio_signature(token, public_base, target, sms_params, ""));
}

TEST(TwilioSignature, RejectsAddedParam) {
  auto extended = sms_params;
  extended.emplace_back("NumMedia", "0");
  EXPECT_FALSE(verify_twilio_signature(token, public_base, target, extended,
                                       signed_with_port));
}

TEST(TwilioSignature, RejectsWrongToken) {
  EXPECT_FALSE(verify_twilio_signature("00000000000000000000000000000000",
                                       public_base, target, sms_params,
                                       signed_with_port));
}

TEST(TwilioSignature, RejectsAlteredHeader) {
  for (std::string header :
       {signed_with_port + " ", " " + signed_with_port,
        signed_with_port.substr(0, signed_with_port.size() - 1),
        std::string{"agAgjzvtPrSQoFWfQi7EyFOzglU="},
        std::string{"AGAgjzvtPrSQoFWfQi7EyFOzglU"}}) {
    EXPECT_FALSE(verify_twilio_signature(token, public_base, target,
                                         sms_params, header))
      << "header: " << header;
  }
}

TEST(TwilioSignature, IgnoresTrailingSlashOfBase) {
  EXPECT_TRUE(verify_twilio_signature(token, public_base + "/", target,
                                      sms_params, signed_with_port));
}

TEST(TwilioSignature, BaseWithoutPortTriesDefaultPort) {
  const std::string base = "https://oncall.example.test";
  EXPECT_TRUE(verify_twilio_signature(token, base, target, sms_params,
                                      signed_without_port));
  EXPECT_TRUE(verify_twilio_signature(token, base, target, sms_params,
                                      signed_default_port));
  EXPECT_FALSE(verify_twilio_signature(token, base, target, sms_params,
                                       signed_with_port));
}

TEST(TwilioSignature, QueryStringIsSigned) {
  const std::string signed_with_query = "rT/Gtm1dFHpZEl/xmd9PX8BN38M=";
  EXPECT_TRUE(verify_twilio_signature(token, public_base,
                                      target + "?ref=a%20b&x=1", sms_params,
                                      signed_with_query));
  EXPECT_FALSE(verify_twilio_signature(token, public_base,
                                       target + "?ref=a%20b&x=2", sms_params,
                                       signed_with_query));
}

TEST(TwilioSignature, BasePathPrefixesTarget) {
  auto signature = twilio_signature(
    token, "https://oncall.example.test:8443/tropos/api/v1/twilio/sms",
    sms_params);
  EXPECT_TRUE(verify_twilio_signature(token, public_base + "/tropos/", target,
                                      sms_params, signature));
  EXPECT_FALSE(verify_twilio_signature(token, public_base, target, sms_params,
                                       signature));
}

TEST(TwilioSignature, Ipv6BaseKeepsBrackets) {
  auto signature = twilio_signature(token, "http://[::1]/api/v1/twilio/sms",
                                    sms_params);
  EXPECT_TRUE(verify_twilio_signature(token, "http://[::1]:8080", target,
                                      sms_params, signature));
}

TEST(TwilioSignature, RejectsUnusableBaseUrl) {
  for (std::string base :
       {"", "oncall.example.test", "ftp://oncall.example.test", "https://",
        "https://user@oncall.example.test", "https://oncall.example.test:",
        "https://oncall.example.test:84a3", "https://oncall.example.test?x=1",
        "https://oncall.example.test/p#f", "https://:8443"}) {
    EXPECT_FALSE(verify_twilio_signature(token, base, target, sms_params,
                                         signed_with_port))
      << "base: " << base;
  }
}

} // namespace
