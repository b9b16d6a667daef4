#include <gtest/gtest.h>

#include "harness/meta.hpp"
#include "harness/stats.hpp"

using namespace pb;

// Expected values by hand with numpy's linear-interpolation rule: position q * (n - 1) in the sorted sample.
TEST(Stats, KnownSamples) {
  const Summary s = summarize({5, 1, 4, 2, 3});  // sorted 1..5
  EXPECT_EQ(s.n, 5);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.p25, 2);
  EXPECT_DOUBLE_EQ(s.p75, 4);
  EXPECT_DOUBLE_EQ(s.iqr, 2);
  EXPECT_DOUBLE_EQ(s.p10, 1.4);  // position 0.4 between 1 and 2
  EXPECT_DOUBLE_EQ(s.p90, 4.6);
  EXPECT_DOUBLE_EQ(s.mean, 3);
}

TEST(Stats, EvenCountMedianIsMeanOfMiddlePair) {
  const Summary s = summarize({10, 2, 8, 4});
  EXPECT_DOUBLE_EQ(s.median, 6);
  EXPECT_DOUBLE_EQ(s.p25, 3.5);  // position 0.75 between 2 and 4
  EXPECT_DOUBLE_EQ(s.p75, 8.5);  // position 2.25 between 8 and 10
}

TEST(Stats, SingleAndEmpty) {
  const Summary one = summarize({7});
  EXPECT_DOUBLE_EQ(one.median, 7);
  EXPECT_DOUBLE_EQ(one.iqr, 0);
  EXPECT_EQ(summarize({}).n, 0);
  EXPECT_THROW(quantile({}, 0.5), std::invalid_argument);
}

TEST(Meta, DriverVersionFromProcLine) {
  EXPECT_EQ(parse_driver_version("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  "
                                 "(dvs-builder@U22-I3-AF03-09-1)  Fri Oct 10 2025"),
            "580.159.04");
  EXPECT_EQ(parse_driver_version("NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023"),
            "535.104.05");
  EXPECT_EQ(parse_driver_version("garbage"), "");
}

#include "profiling/cupti_kernels.hpp"

TEST(Profiling, KernelTableAndJsonSumsAndGaps) {
  KernelRecord a, b;
  a.name = "hpass_kernel";
  a.start_ns = 1000;
  a.end_ns = 3000;  // 0.002 ms
  b.name = "vpass_kernel<float>";
  b.start_ns = 4000;
  b.end_ns = 5000;  // 0.001 ms, after a 1 us gap
  const auto j = kernels_json({a, b});
  EXPECT_NEAR(j["kernels_sum_ms"].get<double>(), 0.003, 1e-12);
  EXPECT_NEAR(j["kernels_span_ms"].get<double>(), 0.004, 1e-12);
  EXPECT_EQ(j["kernel_count"], 2);
  const std::string t = kernel_table({a, b});
  EXPECT_NE(t.find("vpass_kernel<float>"), std::string::npos);
  EXPECT_NE(t.find("gaps 0.0010 ms"), std::string::npos);
}
