// E-mail messages for the SMTP channel: validation of the addresses and the
// RFC 5322 text handed to the SMTP client.
#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <date/date.h>

#include <string>
#include <string_view>

namespace tropos::channels {

/// One e-mail to one recipient.
struct mail_request {
  /// SMTP server: `smtps://host:465`, `smtp://host:587` (STARTTLS is then
  /// required) or plain `smtp://127.0.0.1:2525` for a loopback test server.
  std::string url;
  /// The From header, e.g. "Tropos <tropos@example.test>" or a bare
  /// address. Its address is also the envelope sender (MAIL FROM).
  std::string from_header;
  /// The only recipient (RCPT TO) and the To header.
  std::string to_address;
  /// Free text from the alert; cleaned to one line and encoded as needed.
  std::string subject;
  /// UTF-8 text of the body; line breaks become CRLF.
  std::string body_text;
  /// SMTP AUTH credentials; empty `username` skips authentication.
  std::string username;
  std::string password;
  /// Right-hand side of generated Message-IDs; the sender's domain when
  /// empty.
  std::string message_id_domain;
};

/// Checks an e-mail address for use in an SMTP envelope and a header. It
/// must be printable ASCII with one local part and one domain around an
/// '@', and without whitespace, '<', '>', ',', ';', quotes or backslashes,
/// so it can neither split a header nor add a recipient. Returns
/// `ec::invalid_argument` naming `field` when it fails.
caf::error validate_address(std::string_view field, std::string_view address);

/// Returns the address inside `from_header`: the part between '<' and '>'
/// when present, otherwise the whole value. Fails with
/// `ec::invalid_argument` naming `from_header` when the value has control
/// characters, unbalanced brackets or an invalid address.
caf::expected<std::string> sender_address(std::string_view from_header);

/// Checks every field of `mail` that reaches the SMTP envelope or a header
/// verbatim. Returns `ec::invalid_argument` naming the first failing field.
caf::error validate_mail_request(const mail_request& mail);

/// Creates a globally unique Message-ID (without angle brackets) such as
/// "5f0c...e1@example.test" from 128 random bits.
std::string make_message_id(std::string_view domain);

/// Builds the complete message with CRLF line endings: Date, From, To,
/// Subject, Message-ID, MIME headers and a base64 body of UTF-8 text. The
/// subject is cleaned to one line, so a CR or LF in it cannot start a new
/// header. Non-ASCII text in the subject or display name becomes RFC 2047
/// encoded-words of at most 75 characters, split between whole characters
/// and folded so no header line exceeds 78 characters. The header section
/// is ASCII only. Fails with `ec::invalid_argument` when
/// `validate_mail_request` fails or `message_id` is not of the form
/// "left@right" in printable ASCII.
caf::expected<std::string> build_message(const mail_request& mail,
                                         date::sys_seconds now,
                                         std::string_view message_id);

/// Encodes `data` as base64 (RFC 4648, with padding, no line breaks).
std::string encode_base64(std::string_view data);

} // namespace tropos::channels
