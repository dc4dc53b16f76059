/*
 * Output comparison against the CPU reference. Max pooling only ever copies an input value, so
 * anything but the identical bits is a bug; averages may differ from the reference only by
 * float rounding, measured against the magnitudes that were summed rather than the (possibly
 * cancelled) result.
 */
#include "compare.h"

#include <math.h>
#include <string.h>

static int same_bits(float a, float b) {
    return memcmp(&a, &b, sizeof a) == 0;
}

int ref_values_match(clpool_mode mode, float got, float want, float scale) {
    if (mode == CLPOOL_MODE_MAX || isinf(want))
        return same_bits(got, want);
    if (isnan(want)) /* arithmetic may carry either NaN operand's payload */
        return isnan(got);
    return fabsf(got - want) <= REF_AVG_TOLERANCE * fmaxf(fabsf(want), scale);
}

ref_comparison ref_compare(clpool_mode mode, const float *got, const float *want,
                           const float *scale, size_t count) {
    ref_comparison result = {0, 0, 0.0};
    for (size_t i = 0; i < count; ++i) {
        if (isfinite(got[i]) && isfinite(want[i]) &&
            fabs((double)got[i] - want[i]) > result.max_abs_err)
            result.max_abs_err = fabs((double)got[i] - want[i]);
        if (ref_values_match(mode, got[i], want[i], scale ? scale[i] : 0.0f))
            continue;
        if (result.mismatches++ == 0)
            result.first_mismatch = i;
    }
    return result;
}
