// Webhook URLs carry their credentials in the URL itself (Slack's
// /services/T…/B…/<token>, ?token=…, user:password@). They are shown as
// scheme://host/… only, and every secret part is registered with
// common/secrets so Scrub() masks it in any log line or error text.
#pragma once

#include <string>
#include <string_view>

namespace hk::notify {

/// "https://hooks.example.com/…": scheme and host (and port) only.
std::string RedactUrl(std::string_view url);

/// Registers the userinfo, every path segment and every query value of `url`
/// (and the path+query as a whole) as secrets.
void RegisterUrlSecrets(std::string_view url);

}  // namespace hk::notify
