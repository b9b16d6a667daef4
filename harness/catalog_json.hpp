#pragma once
// Pipelines and variants as JSON, one form for `prepbench list --json` (what peers/ reads) and the C ABI's
// catalog, and the way back: a spec from the same fields, which the Python package uses to describe cv-utils-style
// calls (a size, a mean and std of its own) as a pipeline.
#include <nlohmann/json.hpp>

#include "core/pipeline.hpp"
#include "variants/variant.hpp"

namespace pb {

nlohmann::json pipeline_json(const PipelineSpec& p);
// {"pipeline": NAME} starts from a listed pipeline; every other field is pipeline_json's and overrides it (a spec
// without "pipeline" needs "geometry"). Unknown fields, wrong types and specs check_spec refuses throw
// std::invalid_argument naming the field.
PipelineSpec spec_from_json(const nlohmann::json& j);
nlohmann::json variant_json(const VariantEntry& e);
// The parity contract (harness/parity.hpp) that a variant meets against the float64 reference.
nlohmann::json parity_json();

}  // namespace pb
