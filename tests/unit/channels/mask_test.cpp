#include "channels/mask.hpp"

#include <gtest/gtest.h>

using namespace tropos::channels;

TEST(MaskAddress, KeepsLastFourDigitsOfPhoneNumber) {
  EXPECT_EQ(mask_address("+15005550006"), "+*******0006");
  EXPECT_EQ(mask_address("+44 20 7946 0018"), "+********0018");
  EXPECT_EQ(mask_address("1234"), "1234");
}

TEST(MaskAddress, KeepsFirstLetterAndDomainOfEmail) {
  EXPECT_EQ(mask_address("ava@example.test"), "a***@example.test");
  EXPECT_EQ(mask_address("@example.test"), "***@example.test");
}

TEST(MaskAddress, HidesUnknownShapes) {
  EXPECT_EQ(mask_address(""), "***");
  EXPECT_EQ(mask_address("slack:U0123ABC"), "***");
}

TEST(MaskAddress, ReplacesControlCharactersInEmailDomain) {
  EXPECT_EQ(mask_address("ava@exa\r\nmple"), "a***@exa??mple");
}

TEST(MaskPhoneNumbers, MasksNumbersInsideText) {
  EXPECT_EQ(mask_phone_numbers("The 'To' number +15005550001 is not valid "
                               "(error 21211)"),
            "The 'To' number +*******0001 is not valid (error 21211)");
  EXPECT_EQ(mask_phone_numbers("call 5005550006 or +1 now"),
            "call ******0006 or +1 now");
  EXPECT_EQ(mask_phone_numbers(""), "");
}
