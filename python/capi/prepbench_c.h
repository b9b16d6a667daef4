/* The C ABI of prepbench: plans and variants behind opaque handles, for the Python package (ctypes) and any other
 * language. One native library for every torch version: nothing here knows torch; tensors arrive as pointers.
 *
 * Every function returning int returns 0 on success, or
 *   PB_E_INPUT (2)  bad input (unknown name, bad spec, shapes the pipeline rejects, unsupported combination),
 *   PB_E_OOM   (3)  an allocation failed,
 *   PB_E_CUDA  (4)  a CUDA error, or no usable GPU,
 *   PB_E_OTHER (1)  anything else;
 * and then pb_last_error() says why in one line (per thread). A plan locks itself: concurrent calls on one plan
 * run one at a time. */
#ifndef PREPBENCH_C_H
#define PREPBENCH_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PB_API __attribute__((visibility("default")))
#else
#define PB_API
#endif

#define PB_E_OTHER 1
#define PB_E_INPUT 2
#define PB_E_OOM 3
#define PB_E_CUDA 4

PB_API const char* pb_last_error(void);
PB_API const char* pb_version(void);  /* "0.1.0 (commit abcdef123456)" */
PB_API int pb_has_cuda(void);         /* 1 when this build contains the CUDA variants */
/* The pipelines (with their full specs), modes and variants as JSON; the string lives as long as the library. */
PB_API const char* pb_catalog_json(void);

typedef struct pb_plan pb_plan;

/* A plan for a batch of n images of sizes hw[2*i], hw[2*i+1] (height, width).
 * spec_json: a JSON object with the fields of a pipeline in `prepbench list --json`: {"pipeline": NAME} starts
 *   from a listed pipeline (other fields override it); without "pipeline" it is a whole spec: "geometry" ("fixed",
 *   "shortest_edge_crop", "qwen_smart_resize", "internvl_tiles", "llava_anyres"), "size": [h, w],
 *   "shortest_edge", "crop": [h, w], "patch", "merge", "temporal", "min_pixels", "max_pixels", "tile",
 *   "min_tiles", "max_tiles", "base_size", "pinpoints": [[h, w], ...], "filter" ("bicubic", "bilinear", ...),
 *   "antialias", "mean": [3], "std": [3], "rescale".
 * targets: NULL, or (Qwen) each image's resized size as 2*n ints. mode: "float" | "hf" | "pil".
 * channels_last: 1 for (.., H, W, 3) pixel_values. */
PB_API int pb_plan_create(const char* spec_json, int n, const int* hw, const int* targets, const char* mode,
                   int channels_last, pb_plan** out);
PB_API void pb_plan_destroy(pb_plan* plan);
/* 1 when a CUDA graph has captured a launch of this plan: its setup must outlive the graph, so keep the plan. */
PB_API int pb_plan_pinned(const pb_plan* plan);
/* {"out_shape": [...], "out_elems": N, "grid_thw": [...], "num_patches": [...], "image_sizes": [...],
 *  "layout": "nchw" | "nhwc" | "qwen_patches", "input_bytes": N}; lives as long as the plan. */
PB_API const char* pb_plan_info(const pb_plan* plan);

/* Runs the plan once. variant: a registry name, or "auto" (the fastest design this build has for the plan on that
 * backend: see README). backend: "cpu" (host pointers; stream ignored) or "cuda" (device pointers of `device`,
 * launched on `stream`, a cudaStream_t, with no synchronisation). layout: "hwc" | "chw" (the images' layout),
 * dtype: "fp32" | "bf16" (the output's). images: n pointers to uint8 images, contiguous, of the plan's shapes;
 * out: out_elems elements of dtype. Setup (tables, device copies) is cached in the plan per (variant, layout,
 * dtype, device, stream): a repeated call only re-points the images and the output, which the fastest CUDA
 * designs do with one small launch on `stream`. A call on a stream being captured into a CUDA graph makes a setup
 * of its own (under relaxed capture mode), which the graph keeps: the plan is then pinned (pb_plan_pinned). */
PB_API int pb_run(pb_plan* plan, const char* variant, const char* backend, const char* layout, const char* dtype,
           const void* const* images, void* out, void* stream, int device);
/* The name of the variant the last pb_run on this thread ran ("" before any). */
PB_API const char* pb_last_variant(void);

/* The float64 reference (core/reference.cpp) of host images into out_elems float32 values. */
PB_API int pb_reference(const pb_plan* plan, const char* layout, const void* const* images, float* out);

#ifdef __cplusplus
}
#endif

#endif
