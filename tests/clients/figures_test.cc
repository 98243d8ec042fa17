// Report figures as the CLI, the HTML report and the web console show them
// (clients/lib/figures.h): a half rounds up, as published statistics do.
#include "clients/lib/figures.h"

#include "gtest/gtest.h"

namespace raa {
namespace {

TEST(FiguresTest, AHalfRoundsUpNotToEven) {
  EXPECT_EQ(WholeText(146.5), "147");  // "%.0f" gives "146"
  EXPECT_EQ(WholeText(145.5), "146");
  EXPECT_EQ(WholeText(146.49), "146");
  EXPECT_EQ(WholeText(0), "0");
  EXPECT_EQ(TenthsText(45.25), "45.3");  // "%.1f" gives "45.2"
  EXPECT_EQ(TenthsText(45.24), "45.2");
  EXPECT_EQ(TenthsText(100), "100.0");
  EXPECT_EQ(TenthsText(0.04), "0.0");
  EXPECT_EQ(TenthsText(-1.25), "-1.3");
}

TEST(FiguresTest, EachUnitAsItIsShown) {
  EXPECT_EQ(FigureText(426.5, "days"), "427 days");
  EXPECT_EQ(FigureText(62.5, "percent"), "62.5%");
  EXPECT_EQ(FigureText(12, "count"), "12");
  EXPECT_EQ(FigureText(2.5, ""), "3");
}

}  // namespace
}  // namespace raa
