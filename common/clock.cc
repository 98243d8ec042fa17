#include "common/clock.h"

namespace raa {

absl::CivilDay Clock::Today() const {
  static const absl::TimeZone kEngland = [] {
    absl::TimeZone tz;
    if (!absl::LoadTimeZone("Europe/London", &tz)) tz = absl::UTCTimeZone();
    return tz;
  }();
  return absl::ToCivilDay(Now(), kEngland);
}

}  // namespace raa
