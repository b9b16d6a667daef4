// Issue 16, design E (docs/design-log.md, "the budget on paper"): its integer arithmetic, emulated on the CPU
// before any kernel is written. E feeds the uint8 source rows straight to int8 tensor cores (u8 x s8 -> s32), so
// the horizontal weights must be split into signed 8-bit limbs. Two questions decide how many:
//  - hf: with the weights quantised to L limbs (7 bits each, a power-of-two scale per output column), exact s32
//    sums and a float32 combine, followed by torchvision's own float32 vertical pass, how many uint8 values still
//    equal torchvision's (the hf contract: >= 99.99 %)?
//  - pil: Pillow's 22-bit fixed-point coefficients are integers; L limbs hold them exactly when they fit.
// Measured on the real-photo goldens' 12 JPEGs (tests/golden/goldens_photos.tar.xz) through every pipeline's plan.
// Also the next form's (design F, on paper in the design log): the same three limbs chained in one s32 accumulator.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "../test_paths.hpp"
#include "core/pillow.hpp"
#include "core/plan.hpp"
#include "core/torchvision_aa.hpp"
#include "variants/cuda/int8_limbs.hpp"
#include "workloads/image_file.hpp"

using namespace pb;
using pb::cuda::Limbs;
using pb::cuda::split_limbs;
using pb::cuda::limb_value;
using pb::cuda::split_limbs_chained;

namespace {

// The kernels' own quantisers (variants/cuda/int8_limbs.hpp: E's, or F's with the limbs chained), on torchvision's
// float32 weights.
Limbs split(const float* w, int n, int limbs, bool chained) {
  const std::vector<double> wd(w, w + n);
  return chained ? split_limbs_chained(wd.data(), n, limbs) : split_limbs(wd.data(), n, limbs);
}

// One horizontal output as design E computes it: per limb an exact integer sum over the taps (the s32 accumulator),
// the limbs combined in float32, top first.
float limb_dot(const uint8_t* src, int n, const Limbs& l) {
  float acc = 0;
  for (int k = 0; k < l.limbs; ++k) {
    long long s = 0;
    for (int j = 0; j < n; ++j) s += (long long)l.digits[size_t(j) * l.limbs + k] * src[j];
    EXPECT_LT(std::llabs(s), 1LL << 24) << "an s32 limb sum that float32 does not hold exactly";
    acc += float(s) * float(l.scale(k));  // a power of two: exact
  }
  return acc;
}

// Design F's form (docs/design-log.md, session 10): the limbs chained in one s32 accumulator, Horner order (limb 0's
// products, then C <<= 7 and limb 1's, ...), one conversion to float32, then the power-of-two scale.
float chained_dot(const uint8_t* src, int n, const Limbs& l) {
  long long acc = 0;
  for (int k = 0; k < l.limbs; ++k) {
    acc *= 128;
    for (int j = 0; j < n; ++j) acc += (long long)l.digits[size_t(j) * l.limbs + k] * src[j];
    EXPECT_LT(std::llabs(acc), 1LL << 31) << "the chained s32 accumulator would wrap";
  }
  return float(acc) * float(std::ldexp(1.0, -l.shift));
}

uint8_t round_hf(float v, Filter f) {  // torchvision's uint8 output: clamp (bicubic overshoots), round half to even
  if (f == Filter::Bicubic) v = std::min(255.0f, std::max(0.0f, v));
  return uint8_t(std::nearbyint(v));
}

struct Tally {
  long long values = 0, equal = 0;
  int worst = 0;
};

// The job's window resized with L-limb horizontal weights (L = 2, 3, 4: t[L] counts; and t[1]: design F's three
// limbs chained in one accumulator) and torchvision's float32 vertical pass, against torchvision's own result, as
// uint8.
void compare_job(const ImageView& img, const Job& j, Filter f, Tally* t) {
  if (j.yb <= j.ya || j.xb <= j.xa || j.rw == img.w || j.rh == img.h) return;  // padding, or a pass torchvision skips
  const TvAxis ha = torchvision_aa_axis(img.w, j.rw, f), va = torchvision_aa_axis(img.h, j.rh, f);
  const int nx = j.xb - j.xa;
  int r0 = img.h, r1 = 0;
  for (int y = j.ya; y < j.yb; ++y) {
    r0 = std::min(r0, va.start[size_t(y)]);
    r1 = std::max(r1, va.start[size_t(y)] + va.count[size_t(y)]);
  }
  const std::vector<float> want = torchvision_aa_window(img, j.rh, j.rw, f, j.ya, j.yb, j.xa, j.xb);
  std::vector<uint8_t> row(size_t(img.w));
  std::vector<float> mid(size_t(r1 - r0) * nx);
  for (int form = 1; form <= 4; ++form) {
    const bool chained = form == 1;
    const int limbs = chained ? 3 : form;
    std::vector<Limbs> cols;
    for (int x = j.xa; x < j.xb; ++x)
      cols.push_back(split(&ha.w[size_t(x) * ha.stride], ha.count[size_t(x)], limbs, chained));
    for (int c = 0; c < 3; ++c) {
      for (int r = r0; r < r1; ++r) {
        for (int x = 0; x < img.w; ++x) row[size_t(x)] = img.at(c, r, x);
        for (int x = 0; x < nx; ++x)
          mid[size_t(r - r0) * nx + x] =
              (chained ? chained_dot : limb_dot)(row.data() + ha.start[size_t(j.xa + x)], ha.count[size_t(j.xa + x)],
                                                 cols[size_t(x)]);
      }
      for (int y = j.ya; y < j.yb; ++y) {
        const float* w = &va.w[size_t(y) * va.stride];
        const int s = va.start[size_t(y)] - r0;
        for (int x = 0; x < nx; ++x) {
          float acc = mid[size_t(s) * nx + x] * w[0];  // torchvision's order: first product, then fused adds
          for (int k = 1; k < va.count[size_t(y)]; ++k) acc = std::fma(mid[size_t(s + k) * nx + x], w[k], acc);
          const uint8_t got = round_hf(acc, f);
          const uint8_t ref = round_hf(want[(size_t(c) * (j.yb - j.ya) + (y - j.ya)) * nx + x], f);
          Tally& tl = t[form];
          tl.values += 1;
          tl.equal += got == ref;
          tl.worst = std::max(tl.worst, std::abs(int(got) - int(ref)));
        }
      }
    }
  }
}

std::vector<Image> photo_goldens() {
  const std::string dir = pbtest::golden_dir() + "/photos";
  std::vector<Image> out;
  std::ifstream f(dir + "/golden.json");
  if (!f) return out;
  const nlohmann::json idx = nlohmann::json::parse(f);  // kept: a range-for over a temporary's member dangles
  for (const auto& im : idx["images"])
    out.push_back(read_image_file(dir + "/" + im["file"].get<std::string>(), Layout::HWC));
  return out;
}

}  // namespace

TEST(DesignENumerics, HorizontalWeightsInThreeInt8LimbsKeepHfBitEqual) {
  const std::vector<Image> photos = photo_goldens();
  if (photos.empty()) GTEST_SKIP() << "no real-photo goldens (tests/golden/goldens_photos.tar.xz)";
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "125 M emulated values: 22 s in a release build, far longer under ASan; the release presets run it";
#endif
  Tally all[5];
  for (const PipelineSpec& spec : all_pipelines()) {
    Tally t[5];
    for (const Image& img : photos) {
      const Plan plan = make_plan(spec, {img.shape()}, Mode::Hf);
      for (const Job& j : plan.jobs) compare_job(img.view(), j, plan.filter, t);
    }
    for (int form = 1; form <= 4; ++form) {
      char what[40];
      if (form == 1) std::snprintf(what, sizeof what, "design F, 3 limbs chained in s32: ");
      else std::snprintf(what, sizeof what, "design E, %d int8 limbs (%2d bits):", form, 7 * form);
      std::printf("%s %-18s values=%-9lld equal=%.5f%% max_diff=%d\n", what, spec.name.c_str(), t[form].values,
                  100.0 * double(t[form].equal) / double(t[form].values), t[form].worst);
      all[form].values += t[form].values;
      all[form].equal += t[form].equal;
      all[form].worst = std::max(all[form].worst, t[form].worst);
    }
    EXPECT_GE(double(t[3].equal) / double(t[3].values), 0.9999) << spec.name;
    EXPECT_GE(double(t[1].equal) / double(t[1].values), 0.9999) << spec.name << ", design F";
  }
  EXPECT_LE(all[1].worst, 1) << "design F";
  for (int limbs = 2; limbs <= 4; ++limbs) EXPECT_LE(all[limbs].worst, 1) << limbs << " limbs";
  // more bits, closer to torchvision's float32 weights: the fraction cannot fall as limbs are added
  EXPECT_LE(all[2].equal, all[3].equal);
  EXPECT_LE(all[3].equal, all[4].equal);
}

// Where design F's s32 bound binds: on the photo goldens (at most ~4.6x downscales) F's chained weights are E's
// (identical counts above); a 4096 -> 384 axis (SigLIP large-n4, 10.7x: ~44 taps, the largest weight ~0.09) needs
// more than 2^31 / 255 for sum |round(w 2^shift)| at E's shift, so F gives up bits there, and every weight stays
// within half a step of torchvision's.
TEST(DesignENumerics, ChainedLimbsGiveUpBitsOnlyWhereTheS32BoundBinds) {
  for (const auto& [in, out, binds] : {std::tuple{4096, 384, true}, std::tuple{1024, 384, false}}) {
    const TvAxis a = torchvision_aa_axis(in, out, Filter::Bicubic);
    const int x = out / 2, n = a.count[size_t(x)];
    const std::vector<double> w(&a.w[size_t(x) * a.stride], &a.w[size_t(x) * a.stride] + n);
    const Limbs e = split_limbs(w.data(), n, 3), f = split_limbs_chained(w.data(), n, 3);
    EXPECT_EQ(f.shift < e.shift, binds) << in << " -> " << out;
    long long sum = 0;
    for (int j = 0; j < n; ++j) {
      const long long q = limb_value(f, j);
      sum += std::llabs(q);
      EXPECT_LE(std::fabs(std::ldexp(double(q), -f.shift) - w[size_t(j)]), std::ldexp(0.5, -f.shift));
    }
    EXPECT_LT(255 * sum, 1LL << 31);
    if (binds) {  // and it is the largest shift that does: one bit more breaks the bound
      long long more = 0;
      for (double v : w) more += std::llabs(std::llround(std::ldexp(v, f.shift + 1)));
      EXPECT_GE(255 * more, 1LL << 31);
    }
  }
}

// Pillow's coefficients are integers summing to 2^22; three s8 limbs hold +-(127 * 2^14 + 63 * 2^7 +
// 63) = +-2 088 895, four hold every one. An antialiased filter's centre weight is about 1 / scale (the taps spread
// over scale pixels), so three limbs suffice for downscales by more than ~2x (SigLIP's, CLIP's headline cases) and
// a fourth is needed for milder downscales and for upscales.
TEST(DesignENumerics, PillowCoefficientsFitThreeLimbsOnlyBeyondTwofoldDownscales) {
  const long long three = 127LL * (1 << 14) + 63LL * (1 << 7) + 63;
  auto max_k = [](int in, int out) {
    const FixedTable t = pillow_fixed_table(in, out, Filter::Bicubic);
    long long m = 0;
    for (int32_t k : t.k) m = std::max(m, std::llabs((long long)k));
    return m;
  };
  EXPECT_LT(max_k(1024, 384), three);  // 2.67x: SigLIP's headline downscale
  EXPECT_LT(max_k(768, 224), three);   // 3.43x: CLIP
  EXPECT_GT(max_k(500, 448), three);   // 1.12x: centre weight ~0.9
  EXPECT_GT(max_k(300, 384), three);   // an upscale
  // with negative lobes an upscale's centre weight passes 1 (here 4 390 222 > 2^22); four limbs still hold it
  EXPECT_LT(max_k(300, 384), 127LL * (1 << 21) + 63LL * ((1 << 14) + (1 << 7) + 1));
}
