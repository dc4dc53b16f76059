/*
 * The tool's flag parsers and help texts. Parsing is strict on purpose: an unknown flag, a flag
 * given twice, a value with trailing junk or out of range, a missing or extra file argument all
 * stop with a message that names the flag and the value, because a pooling run on silently
 * misread parameters is worse than no run. Output paths are compared as files (cli_paths.c), the
 * only place parsing looks at the filesystem.
 */
#include "cli_args.h"
#include "cli_paths.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_main_help[] =
    "usage: clpool [--version] [--help] COMMAND [ARGS]\n"
    "\n"
    "Max and average pooling on OpenCL devices, with PyTorch's semantics.\n"
    "\n"
    "commands:\n"
    "  devices   list OpenCL platforms and devices, and whether clpool's kernels build on them\n"
    "  pool      pool a NumPy .npy tensor into another .npy file\n"
    "  backward  compute a pooling's input gradient from its output gradient (.npy files)\n"
    "  unpool    max unpooling: scatter .npy values to the positions their indices name\n"
    "  bench     time and verify the standard network pooling layers\n"
    "  tune      choose the kernels' work-group sizes for a device and write a tuning file\n"
    "\n"
    "`clpool COMMAND --help` documents each command's flags. Devices are chosen by --device SPEC\n"
    "or the CLPOOL_DEVICE environment variable: SPEC is 'P:D' (platform:device indices, as\n"
    "`clpool devices` lists them) or part of a device name, case-insensitive. Without either, the\n"
    "first GPU is used, else the first device.\n"
    "\n"
    "exit status: 0 success; 2 invalid usage, parameters or input file; 1 device or runtime\n"
    "failure (or a verification mismatch).\n";

const char cli_pool_help[] =
    "usage: clpool pool --mode max|avg WINDOW [--channels-last] [--indices FILE.npy]\n"
    "                   [--device SPEC] [--check] INPUT.npy OUTPUT.npy\n"
    "  WINDOW: --kernel K[,K...] [--stride S[,...]] [--padding P[,...]] [--dilation D[,...]]\n"
    "          [--ceil-mode] [--exclude-pad] [--divisor N]\n"
    "      or: --adaptive O[,O...]\n"
    "      or: --global\n"
    "\n"
    "Pools INPUT (little-endian float32, C order, .npy format 1.0, 2.0 or 3.0) into OUTPUT, in\n"
    "the input's layout and dtype. Rank 3, 4 or 5 means 1D, 2D or 3D pooling: (N, C, L),\n"
    "(N, C, H, W), (N, C, D, H, W), or with --channels-last (N, L, C), (N, H, W, C),\n"
    "(N, D, H, W, C). Every per-dimension flag takes one value for every spatial dimension, or\n"
    "one each (outermost first).\n"
    "\n"
    "  --mode max|avg       max or average pooling (required)\n"
    "\n"
    "Sliding windows (PyTorch's max_pool*d, avg_pool*d):\n"
    "  --kernel K[,K...]    window size (required unless --adaptive or --global)\n"
    "  --stride S[,...]     step between windows (default: the kernel size)\n"
    "  --padding P[,...]    implicit padding on both sides, at most half the effective kernel\n"
    "                       (default 0)\n"
    "  --dilation D[,...]   spacing between window taps (default 1)\n"
    "  --ceil-mode          round the output size up (PyTorch ceil_mode=True)\n"
    "  --exclude-pad        average over in-bounds taps only (count_include_pad=False); avg only\n"
    "  --divisor N          divide every average by N (divisor_override; non-zero); avg only\n"
    "\n"
    "Adaptive windows (PyTorch's adaptive_max_pool*d, adaptive_avg_pool*d), instead of the\n"
    "flags above:\n"
    "  --adaptive O[,O...]  the output's spatial size (each >= 1, larger than the input allowed);\n"
    "                       output o of a dimension of size I pools the inputs\n"
    "                       floor(o * I / O) to ceil((o + 1) * I / O) - 1\n"
    "  --global             one output per plane: global max or average pooling (--adaptive 1)\n"
    "\n"
    "  --channels-last      the input (and output) is channels-last\n"
    "  --indices FILE.npy   also write int64 argmax indices, laid out like OUTPUT (max only):\n"
    "                       each the flat index of the chosen tap within its plane (w in 1D,\n"
    "                       h * W + w in 2D, (d * H + h) * W + w in 3D), as PyTorch's\n"
    "                       return_indices gives it\n"
    "  --device SPEC        device: 'P:D' or part of its name (default: CLPOOL_DEVICE, else the\n"
    "                       first GPU, else the first device)\n"
    "  --check              also compute the CPU reference and fail on any mismatch\n"
    "  --help               show this help\n"
    "\n"
    "On any failure no OUTPUT (or indices) file is left behind: each is written to a temporary\n"
    "file in the same folder and renamed into place.\n";

const char cli_backward_help[] =
    "usage: clpool backward --mode max|avg WINDOW [--channels-last] [--device SPEC] [--check]\n"
    "                       --input X.npy GRAD_OUT.npy GRAD_IN.npy\n"
    "  WINDOW: as for `clpool pool`: --kernel K[,K...] [--stride S[,...]] [--padding P[,...]]\n"
    "          [--dilation D[,...]] [--ceil-mode] [--exclude-pad] [--divisor N],\n"
    "          or --adaptive O[,O...], or --global\n"
    "\n"
    "Computes the gradient of a pooling with respect to its input: GRAD_IN, shaped like X, from\n"
    "GRAD_OUT, shaped like the pooled X. The window flags mean what they mean for\n"
    "`clpool pool`. X gives the input's shape and, for max pooling, the values whose argmax\n"
    "routes each gradient (found again by the forward rules: first maximum on ties, last NaN);\n"
    "each element sums what the windows containing it send, in a fixed order, so results are\n"
    "identical run to run. Files as for `clpool pool`: little-endian float32 .npy of rank 3, 4\n"
    "or 5 (1D, 2D or 3D pooling), channels-first or --channels-last.\n"
    "\n"
    "  --input X.npy    the forward pass's input (required)\n"
    "  --check          also compute the CPU reference and fail on any mismatch\n"
    "  --device SPEC    as for `clpool pool`\n"
    "  --help           show this help\n"
    "\n"
    "Exit status and the no-partial-output rule are those of `clpool pool`.\n";

const char cli_unpool_help[] =
    "usage: clpool unpool --indices IDX.npy --output-size S[,S...] [--channels-last]\n"
    "                     [--device SPEC] [--check] IN.npy OUT.npy\n"
    "\n"
    "Max unpooling (PyTorch's max_unpool): OUT, of IN's N and C and the given spatial size, is\n"
    "zero except where an index points: each value of IN goes to the position its index in\n"
    "IDX.npy names (the flat index within its plane of OUT, (d * H + h) * W + w, as\n"
    "`clpool pool --indices` writes them); when several point at one position the last in\n"
    "row-major order wins; -1 is skipped. IN is little-endian float32, IDX little-endian int64\n"
    "of IN's shape, rank 3, 4 or 5 (1D, 2D or 3D).\n"
    "\n"
    "  --indices IDX.npy      the indices (required)\n"
    "  --output-size S[,...]  OUT's spatial size: one value for every dimension, or one each\n"
    "                         (required)\n"
    "  --channels-last        IN, IDX and OUT are channels-last\n"
    "  --device SPEC          as for `clpool pool`\n"
    "  --check                also compute the CPU reference and fail on any mismatch\n"
    "  --help                 show this help\n"
    "\n"
    "An index outside OUT's plane (other than -1) makes IDX an unusable input: exit status 2\n"
    "and no OUT. Exit statuses and the no-partial-output rule are those of `clpool pool`.\n";

const char cli_bench_help[] =
    "usage: clpool bench [--quick] [--generic] [--device SPEC] [--json FILE] [--layers FILE]\n"
    "                    [--reps N]\n"
    "\n"
    "Runs the standard network pooling layers (1D, 2D and 3D; sliding windows and global\n"
    "pooling), or those of --layers FILE, in both layouts, float32, batch 8: the forward\n"
    "pass, for max layers also with int64 indices, and the backward pass (max from int64\n"
    "indices, or average). Every result, indices included, is verified against the CPU\n"
    "reference before it is timed with OpenCL profiling events: 3 warm-up runs, then the\n"
    "median (and minimum) of --reps runs. Bandwidth counts the bytes of everything read and\n"
    "written, and is also given as a ratio to a copy kernel timed in the same process, on the\n"
    "same device, over the same number of bytes. A table goes to stdout and one progress line\n"
    "per row to stderr. Any verification mismatch makes the exit status 1.\n"
    "\n"
    "  --quick          batch 1 and 20 runs per layer: a fast demonstration\n"
    "  --generic        time the generic kernel (window and sizes as arguments) instead of the\n"
    "                   default kernels specialised for each layer, to see what specialising buys\n"
    "  --device SPEC    device: 'P:D' or part of its name (as for `clpool pool`)\n"
    "  --json FILE      also write the rows as a JSON array of objects: name, mode, pass\n"
    "                   (\"forward\" or \"backward\"), indices (\"int64\" or \"none\"), layout,\n"
    "                   dtype, input, output (shapes in memory order), spatial_rank, window\n"
    "                   (\"sliding\", \"adaptive\" or \"global\"), output_size (adaptive and\n"
    "                   global, else null), kernel, stride, padding, ceil_mode (sliding, else\n"
    "                   null), kernel_ms_median, kernel_ms_min, gbps, copy_gbps, ratio_to_copy,\n"
    "                   max_abs_err, ok\n"
    "  --layers FILE    read the layers from FILE instead of the built-in set. One layer per\n"
    "                   line, '#' starting a comment:\n"
    "                     NAME MODE C SIZE KERNEL STRIDE PADDING [ceil]\n"
    "                     NAME MODE C SIZE adaptive O[,O...]\n"
    "                     NAME MODE C SIZE global\n"
    "                   MODE is max or avg; SIZE is L, HxW or DxHxW (1D, 2D, 3D); KERNEL,\n"
    "                   STRIDE, PADDING and O are V or one value per dimension (3,2); ceil\n"
    "                   sets ceil_mode; global layers run as global pooling. The built-in set\n"
    "                   is bench/standard_layers.txt in the repository.\n"
    "  --reps N         timed runs per layer and layout, at least 20 (default 50; --quick 20)\n"
    "  --help           show this help\n";

const char cli_tune_help[] =
    "usage: clpool tune [--quick] [--device SPEC] [--layers FILE] [--reps N] [--sizes S[,S...]]\n"
    "                   [--output FILE]\n"
    "\n"
    "Chooses the work-group size of clpool's kernels on one device. Every layer of the standard\n"
    "set (or of --layers FILE) runs in both layouts, float32, batch 8: forward, for max layers\n"
    "also with int64 indices, and backward, as `clpool bench` runs them, at each candidate\n"
    "work-group size: 16 to 1024 in powers of two, up to the device's limit, plus the size clpool\n"
    "picks untuned (the built-in choice). The candidates take turns run by run, so a slow spell\n"
    "on a shared machine hits them alike; a row's time at a size is the median of --reps runs\n"
    "after 3 warm-ups, from OpenCL profiling events. Rows are grouped by their plans' tuning key,\n"
    "PASS MODE LAYOUT WINDOW (as clpool_plan_tuning_key names it: forward max channels_first\n"
    "sliding, ...). A key's score at a size is the geometric mean of its rows' times, so every\n"
    "layer counts alike, and the fastest size wins unless the built-in choice is within 3% of\n"
    "it. The table gives every size's score per key in ms (* marks the built-in choice), the\n"
    "choice, and its speed-up over the built-in choice. Sizes change speed only: the kernels\n"
    "index their work by global ids (stepped lanes also by a group the library keeps 8 wide),\n"
    "so results are the same at every size (`clpool bench` verifies them). A file\n"
    "CLPOOL_TUNE_FILE names is not read while tuning.\n"
    "\n"
    "  --quick             batch 1, 7 runs per size, sizes 32 to 512: a fast first pass\n"
    "  --device SPEC       device: 'P:D' or part of its name (as for `clpool pool`)\n"
    "  --layers FILE       tune on the layers of FILE (format: `clpool bench --help`)\n"
    "  --reps N            timed runs per row and size, at least 3 (default 20; --quick 7)\n"
    "  --sizes S[,S...]    the candidate sizes instead: 1 to 16 values in [1, 65536]\n"
    "  --output FILE       write the choices to FILE, a tuning file for this device, replaced\n"
    "                      atomically. Plans on this device use its sizes when the environment\n"
    "                      variable CLPOOL_TUNE_FILE names it (or after\n"
    "                      clpool_context_set_tuning_file), unless they set their own\n"
    "                      options->local_size\n"
    "  --help              show this help\n";

const char cli_devices_help[] =
    "usage: clpool devices\n"
    "\n"
    "Lists every OpenCL platform and device: its P:D index (for --device and CLPOOL_DEVICE),\n"
    "name, vendor, OpenCL version, type, compute units and global memory, marks the device\n"
    "clpool uses by default, and says whether clpool's kernels build on it.\n"
    "\n"
    "  --help   show this help\n";

static cli_parse_result usage_error(char *err, size_t err_size, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(err, err_size, format, args);
    va_end(args);
    return CLI_BAD_USAGE;
}

int cli_parse_int64(const char *text, int64_t min, int64_t max, int64_t *value) {
    if (!text || !*text || (*text != '-' && (*text < '0' || *text > '9')))
        return -1;
    char *end = NULL;
    errno = 0;
    long long parsed = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || parsed < min || parsed > max)
        return -1;
    *value = (int64_t)parsed;
    return 0;
}

int cli_parse_int_list(const char *text, int64_t min, int64_t max, cli_int_list *list) {
    char item[32];
    list->count = 0;
    for (const char *at = text;;) {
        const char *comma = strchr(at, ',');
        const size_t length = comma ? (size_t)(comma - at) : strlen(at);
        if (list->count == CLPOOL_MAX_SPATIAL_RANK || length == 0 || length >= sizeof item)
            return -1;
        memcpy(item, at, length);
        item[length] = '\0';
        if (cli_parse_int64(item, min, max, &list->values[list->count]) != 0)
            return -1;
        ++list->count;
        if (!comma)
            return 0;
        at = comma + 1;
    }
}

/* Splits argv[*i] into a flag name and its value ("--k=v" or "--k v"), advancing *i past the
 * value. Returns the value, or NULL (with err set) when a value-taking flag has none. */
static const char *take_value(int argc, char **argv, int *i, const char *name, char *err,
                              size_t err_size) {
    const char *equals = strchr(argv[*i], '=');
    if (equals)
        return equals + 1;
    if (*i + 1 >= argc) {
        usage_error(err, err_size, "%s needs a value", name);
        return NULL;
    }
    return argv[++*i];
}

/* Whether argv_item is flag, bare or as "flag=value". */
static int is_flag(const char *argv_item, const char *flag) {
    const size_t n = strlen(flag);
    return strncmp(argv_item, flag, n) == 0 && (argv_item[n] == '\0' || argv_item[n] == '=');
}

/* Marks a flag seen, refusing a repeat: a second --kernel is more likely a mistake than intent. */
static int first_time(unsigned *seen, unsigned bit, const char *flag, char *err, size_t err_size) {
    if (*seen & bit) {
        usage_error(err, err_size, "%s is given twice", flag);
        return 0;
    }
    *seen |= bit;
    return 1;
}

/* A flag that takes no value must not be given one ("--check=1"). */
static int no_value(const char *argv_item, const char *flag, char *err, size_t err_size) {
    if (strchr(argv_item, '=')) {
        usage_error(err, err_size, "%s takes no value (got '%s')", flag, argv_item);
        return 0;
    }
    return 1;
}

/* The index of arg in a command's flag table, marked seen; or -1 with err set when arg is
 * none of them (what: "flag" or "argument", as the command calls it) or is repeated. */
static int table_flag(const char *arg, const char *const *names, size_t count, const char *what,
                      const char *command, unsigned *seen, char *err, size_t err_size) {
    size_t f = 0;
    while (f < count && !is_flag(arg, names[f]))
        ++f;
    if (f == count) {
        usage_error(err, err_size, "unknown %s '%s' for 'clpool %s'", what, arg, command);
        return -1;
    }
    return first_time(seen, 1u << f, names[f], err, err_size) ? (int)f : -1;
}

typedef struct list_flag {
    const char *name;
    int64_t min;
    size_t offset; /* of the cli_int_list in cli_pool_request */
} list_flag;

static const list_flag pool_lists[] = {
    {"--kernel", 1, offsetof(cli_pool_request, kernel)},
    {"--stride", 1, offsetof(cli_pool_request, stride)},
    {"--padding", 0, offsetof(cli_pool_request, padding)},
    {"--dilation", 1, offsetof(cli_pool_request, dilation)},
    {"--adaptive", 1, offsetof(cli_pool_request, adaptive)},
};

typedef struct switch_flag {
    const char *name;
    size_t offset; /* of the int in cli_pool_request */
} switch_flag;

static const switch_flag pool_switches[] = {
    {"--ceil-mode", offsetof(cli_pool_request, ceil_mode)},
    {"--exclude-pad", offsetof(cli_pool_request, exclude_pad)},
    {"--channels-last", offsetof(cli_pool_request, channels_last)},
    {"--check", offsetof(cli_pool_request, check)},
    {"--global", offsetof(cli_pool_request, global)},
};

enum { POOL_LIST_BITS = 0, POOL_SWITCH_BITS = 5, POOL_OTHER_BITS = 10 }; /* + 5 other flags */

/* Handles one of the list or switch flags at argv[*i]; returns 1 if it was one (0 with err set on
 * failure, -1 if it is not one of them). */
static int parse_pool_table_flag(int argc, char **argv, int *i, cli_pool_request *r, unsigned *seen,
                                 char *err, size_t err_size) {
    for (size_t f = 0; f < sizeof pool_lists / sizeof pool_lists[0]; ++f) {
        if (!is_flag(argv[*i], pool_lists[f].name))
            continue;
        const char *name = pool_lists[f].name;
        if (!first_time(seen, 1u << (POOL_LIST_BITS + f), name, err, err_size))
            return 0;
        const char *value = take_value(argc, argv, i, name, err, err_size);
        cli_int_list *list = (cli_int_list *)((char *)r + pool_lists[f].offset);
        if (!value)
            return 0;
        if (cli_parse_int_list(value, pool_lists[f].min, CLPOOL_MAX_EXTENT, list) != 0) {
            usage_error(err, err_size,
                        "%s '%s' is not 1 to %d comma-separated integers in [%lld, %lld]", name,
                        value, CLPOOL_MAX_SPATIAL_RANK, (long long)pool_lists[f].min,
                        (long long)CLPOOL_MAX_EXTENT);
            return 0;
        }
        return 1;
    }
    for (size_t f = 0; f < sizeof pool_switches / sizeof pool_switches[0]; ++f) {
        if (!is_flag(argv[*i], pool_switches[f].name))
            continue;
        const char *name = pool_switches[f].name;
        if (!first_time(seen, 1u << (POOL_SWITCH_BITS + f), name, err, err_size) ||
            !no_value(argv[*i], name, err, err_size))
            return 0;
        *(int *)((char *)r + pool_switches[f].offset) = 1;
        return 1;
    }
    return -1;
}

/* --mode, --divisor, --indices (pool only), --device, --input (backward only); same return
 * convention as parse_pool_table_flag. */
static int parse_pool_other_flag(int argc, char **argv, int *i, cli_pool_request *r, unsigned *seen,
                                 int backward, char *err, size_t err_size) {
    static const char *const names[] = {"--mode", "--divisor", "--indices", "--device", "--input"};
    for (size_t f = 0; f < sizeof names / sizeof names[0]; ++f) {
        if (!is_flag(argv[*i], names[f]) || (f == 2 && backward) || (f == 4 && !backward))
            continue;
        const char *value = NULL;
        if (!first_time(seen, 1u << (POOL_OTHER_BITS + f), names[f], err, err_size) ||
            !(value = take_value(argc, argv, i, names[f], err, err_size)))
            return 0;
        if (f == 0 && (strcmp(value, "max") == 0 || strcmp(value, "avg") == 0))
            r->mode = value[0] == 'm' ? CLPOOL_MODE_MAX : CLPOOL_MODE_AVG;
        else if (f == 0)
            return usage_error(err, err_size, "--mode '%s' is not max or avg", value), 0;
        else if (f == 1 && (cli_parse_int64(value, -INT32_MAX, INT32_MAX, &r->divisor) != 0 ||
                            r->divisor == 0))
            return usage_error(err, err_size,
                               "--divisor '%s' is not a non-zero integer in [-%d, %d]", value,
                               INT32_MAX, INT32_MAX),
                   0;
        else if (f == 1)
            r->has_divisor = 1;
        else if (*value == '\0')
            return usage_error(err, err_size, "%s needs a non-empty value", names[f]), 0;
        else if (f == 2)
            r->indices_path = value;
        else if (f == 3)
            r->device = value;
        else
            r->forward_input_path = value;
        return 1;
    }
    return -1;
}

/* The first window flag given, which --adaptive and --global replace; NULL if none. */
static const char *window_flag_given(const cli_pool_request *r) {
    const struct {
        const char *name;
        int given;
    } flags[] = {{"--kernel", r->kernel.count},   {"--stride", r->stride.count},
                 {"--padding", r->padding.count}, {"--dilation", r->dilation.count},
                 {"--ceil-mode", r->ceil_mode},   {"--exclude-pad", r->exclude_pad},
                 {"--divisor", r->has_divisor}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; ++i)
        if (flags[i].given)
            return flags[i].name;
    return NULL;
}

/* Cross-flag rules that need no input file. */
static cli_parse_result check_pool_request(const cli_pool_request *r, int backward, char *err,
                                           size_t err_size) {
    const char *window_flag = window_flag_given(r);
    if (!r->mode)
        return usage_error(err, err_size, "--mode max|avg is required");
    if (r->adaptive.count && r->global)
        return usage_error(err, err_size,
                           "--adaptive and --global cannot be combined (--global is --adaptive 1)");
    if ((r->adaptive.count || r->global) && window_flag)
        return usage_error(err, err_size,
                           "%s replaces the window flags: drop %s (its windows come from the "
                           "output size)",
                           r->global ? "--global" : "--adaptive", window_flag);
    if (!r->kernel.count && !r->adaptive.count && !r->global)
        return usage_error(err, err_size,
                           "--kernel K[,K...] is required (or --adaptive O[,O...] or --global)");
    if (r->mode == CLPOOL_MODE_MAX && r->exclude_pad)
        return usage_error(err, err_size, "--exclude-pad applies to --mode avg only");
    if (r->mode == CLPOOL_MODE_MAX && r->has_divisor)
        return usage_error(err, err_size, "--divisor applies to --mode avg only");
    if (r->indices_path && r->mode != CLPOOL_MODE_MAX)
        return usage_error(err, err_size, "--indices applies to --mode max only");
    if (backward && !r->forward_input_path)
        return usage_error(err, err_size, "--input X.npy (the forward input) is required");
    if (!r->input_path || !r->output_path)
        return usage_error(err, err_size,
                           backward ? "expected GRAD_OUT.npy and GRAD_IN.npy"
                                    : "expected INPUT.npy and OUTPUT.npy");
    if (backward && cli_same_file(r->forward_input_path, r->output_path))
        return usage_error(err, err_size, "GRAD_IN '%s' is also --input: give another file",
                           r->output_path);
    if (r->indices_path && cli_same_file(r->indices_path, r->output_path))
        return usage_error(err, err_size, "--indices '%s' is also OUTPUT: give another file",
                           r->indices_path);
    return CLI_PARSED;
}

/* The flags of `pool` and `backward`: the window flags, then their own. */
static cli_parse_result parse_window_command(int argc, char **argv, cli_pool_request *r,
                                             int backward, char *err, size_t err_size) {
    memset(r, 0, sizeof *r);
    unsigned seen = 0;
    int positional = 0, only_files = 0;
    for (int i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        if (only_files || arg[0] != '-' || arg[1] == '\0') {
            if (positional == 2)
                return usage_error(err, err_size, "unexpected extra argument '%s'", arg);
            *(positional++ ? &r->output_path : &r->input_path) = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_files = 1;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return CLI_HELP;
        int handled = parse_pool_table_flag(argc, argv, &i, r, &seen, err, err_size);
        if (handled < 0)
            handled = parse_pool_other_flag(argc, argv, &i, r, &seen, backward, err, err_size);
        if (handled == 0)
            return CLI_BAD_USAGE;
        if (handled < 0)
            return usage_error(err, err_size, "unknown flag '%s' for 'clpool %s'", arg,
                               backward ? "backward" : "pool");
    }
    return check_pool_request(r, backward, err, err_size);
}

cli_parse_result cli_parse_pool(int argc, char **argv, cli_pool_request *r, char *err,
                                size_t err_size) {
    return parse_window_command(argc, argv, r, 0, err, err_size);
}

cli_parse_result cli_parse_backward(int argc, char **argv, cli_pool_request *r, char *err,
                                    size_t err_size) {
    return parse_window_command(argc, argv, r, 1, err, err_size);
}

cli_parse_result cli_parse_unpool(int argc, char **argv, cli_unpool_request *r, char *err,
                                  size_t err_size) {
    memset(r, 0, sizeof *r);
    static const char *const names[] = {"--indices", "--output-size", "--channels-last", "--device",
                                        "--check"};
    unsigned seen = 0;
    int positional = 0;
    for (int i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            return CLI_HELP;
        if (arg[0] != '-' || arg[1] == '\0') {
            if (positional == 2)
                return usage_error(err, err_size, "unexpected extra argument '%s'", arg);
            *(positional++ ? &r->output_path : &r->input_path) = arg;
            continue;
        }
        const int f = table_flag(arg, names, sizeof names / sizeof names[0], "flag", "unpool",
                                 &seen, err, err_size);
        if (f < 0)
            return CLI_BAD_USAGE;
        if (f == 2 || f == 4) {
            if (!no_value(arg, names[f], err, err_size))
                return CLI_BAD_USAGE;
            *(f == 2 ? &r->channels_last : &r->check) = 1;
            continue;
        }
        const char *value = take_value(argc, argv, &i, names[f], err, err_size);
        if (!value)
            return CLI_BAD_USAGE;
        if (*value == '\0')
            return usage_error(err, err_size, "%s needs a non-empty value", names[f]);
        if (f == 1 && cli_parse_int_list(value, 1, CLPOOL_MAX_EXTENT, &r->output_size) != 0)
            return usage_error(err, err_size,
                               "--output-size '%s' is not 1 to %d comma-separated integers in "
                               "[1, %lld]",
                               value, CLPOOL_MAX_SPATIAL_RANK, (long long)CLPOOL_MAX_EXTENT);
        if (f == 0)
            r->indices_path = value;
        else if (f == 3)
            r->device = value;
    }
    if (!r->indices_path)
        return usage_error(err, err_size, "--indices IDX.npy is required");
    if (!r->output_size.count)
        return usage_error(err, err_size, "--output-size S[,S...] is required");
    if (!r->input_path || !r->output_path)
        return usage_error(err, err_size, "expected IN.npy and OUT.npy");
    return CLI_PARSED;
}

cli_parse_result cli_parse_bench(int argc, char **argv, cli_bench_request *r, char *err,
                                 size_t err_size) {
    memset(r, 0, sizeof *r);
    static const char *const names[] = {"--quick", "--generic", "--device",
                                        "--json",  "--layers",  "--reps"};
    unsigned seen = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return CLI_HELP;
        const int f = table_flag(argv[i], names, sizeof names / sizeof names[0], "argument",
                                 "bench", &seen, err, err_size);
        if (f < 0)
            return CLI_BAD_USAGE;
        if (f <= 1) {
            if (!no_value(argv[i], names[f], err, err_size))
                return CLI_BAD_USAGE;
            *(f == 0 ? &r->quick : &r->generic) = 1;
            continue;
        }
        const char *value = take_value(argc, argv, &i, names[f], err, err_size);
        int64_t reps = 0;
        if (!value)
            return CLI_BAD_USAGE;
        if (*value == '\0')
            return usage_error(err, err_size, "%s needs a non-empty value", names[f]);
        if (f == 2)
            r->device = value;
        else if (f == 3)
            r->json_path = value;
        else if (f == 4)
            r->layers_path = value;
        else if (cli_parse_int64(value, 20, 1000000, &reps) != 0)
            return usage_error(err, err_size, "--reps '%s' is not an integer in [20, 1000000]",
                               value);
        else
            r->reps = (int)reps;
    }
    return CLI_PARSED;
}

/* Sorts sizes ascending and drops repeats. */
static void sort_sizes(cli_tune_request *r) {
    for (int i = 1; i < r->n_sizes; ++i)
        for (int j = i; j > 0 && r->sizes[j - 1] > r->sizes[j]; --j) {
            const size_t t = r->sizes[j];
            r->sizes[j] = r->sizes[j - 1];
            r->sizes[j - 1] = t;
        }
    int kept = 0;
    for (int i = 0; i < r->n_sizes; ++i)
        if (kept == 0 || r->sizes[kept - 1] != r->sizes[i])
            r->sizes[kept++] = r->sizes[i];
    r->n_sizes = kept;
}

/* "S[,S...]": 1 to CLI_TUNE_MAX_SIZES sizes in [1, 65536]; 0 on success. */
static int parse_sizes(const char *text, cli_tune_request *r) {
    char item[32];
    r->n_sizes = 0;
    for (const char *at = text;;) {
        const char *comma = strchr(at, ',');
        const size_t length = comma ? (size_t)(comma - at) : strlen(at);
        int64_t value = 0;
        if (r->n_sizes == CLI_TUNE_MAX_SIZES || length == 0 || length >= sizeof item)
            return -1;
        memcpy(item, at, length);
        item[length] = '\0';
        if (cli_parse_int64(item, 1, 65536, &value) != 0)
            return -1;
        r->sizes[r->n_sizes++] = (size_t)value;
        if (!comma)
            break;
        at = comma + 1;
    }
    sort_sizes(r);
    return 0;
}

cli_parse_result cli_parse_tune(int argc, char **argv, cli_tune_request *r, char *err,
                                size_t err_size) {
    memset(r, 0, sizeof *r);
    static const char *const names[] = {"--quick", "--device", "--layers",
                                        "--reps",  "--sizes",  "--output"};
    unsigned seen = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return CLI_HELP;
        const int f = table_flag(argv[i], names, sizeof names / sizeof names[0], "argument", "tune",
                                 &seen, err, err_size);
        if (f < 0)
            return CLI_BAD_USAGE;
        if (f == 0) {
            if (!no_value(argv[i], names[f], err, err_size))
                return CLI_BAD_USAGE;
            r->quick = 1;
            continue;
        }
        const char *value = take_value(argc, argv, &i, names[f], err, err_size);
        int64_t reps = 0;
        if (!value)
            return CLI_BAD_USAGE;
        if (*value == '\0')
            return usage_error(err, err_size, "%s needs a non-empty value", names[f]);
        if (f == 1)
            r->device = value;
        else if (f == 2)
            r->layers_path = value;
        else if (f == 5)
            r->output_path = value;
        else if (f == 3 && cli_parse_int64(value, 3, 1000000, &reps) != 0)
            return usage_error(err, err_size, "--reps '%s' is not an integer in [3, 1000000]",
                               value);
        else if (f == 3)
            r->reps = (int)reps;
        else if (parse_sizes(value, r) != 0)
            return usage_error(err, err_size,
                               "--sizes '%s' is not 1 to %d comma-separated integers in [1, 65536]",
                               value, CLI_TUNE_MAX_SIZES);
    }
    return CLI_PARSED;
}

cli_parse_result cli_parse_devices(int argc, char **argv, cli_devices_request *r, char *err,
                                   size_t err_size) {
    memset(r, 0, sizeof *r);
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return CLI_HELP;
        return usage_error(err, err_size, "unknown argument '%s' for 'clpool devices'", argv[i]);
    }
    return CLI_PARSED;
}

/* One list onto a descriptor array: a single value everywhere, else exactly one per dimension. */
static int expand_list(const cli_int_list *list, const char *flag, int rank, int64_t fallback,
                       int64_t *out, char *err, size_t err_size) {
    if (list->count > 1 && list->count != rank) {
        usage_error(err, err_size,
                    "%s has %d values, but the input has %d spatial dimension%s: give one value "
                    "or %d",
                    flag, list->count, rank, rank == 1 ? "" : "s", rank);
        return -1;
    }
    for (int i = 0; i < rank; ++i)
        out[i] = list->count == 0 ? fallback : list->values[list->count == 1 ? 0 : i];
    return 0;
}

int cli_pool_desc_from_request(const cli_pool_request *r, int spatial_rank, clpool_pool_desc *pool,
                               char *err, size_t err_size) {
    memset(pool, 0, sizeof *pool);
    if (r->global) {
        clpool_pool_desc_init_global(pool, r->mode, spatial_rank);
        return 0;
    }
    if (r->adaptive.count) {
        int64_t output_size[CLPOOL_MAX_SPATIAL_RANK] = {0};
        if (expand_list(&r->adaptive, "--adaptive", spatial_rank, 1, output_size, err, err_size))
            return -1;
        clpool_pool_desc_init_adaptive(pool, r->mode, spatial_rank, output_size);
        return 0;
    }
    pool->mode = r->mode;
    pool->spatial_rank = spatial_rank;
    if (expand_list(&r->kernel, "--kernel", spatial_rank, 1, pool->kernel, err, err_size) != 0 ||
        expand_list(&r->stride, "--stride", spatial_rank, 0, pool->stride, err, err_size) != 0 ||
        expand_list(&r->padding, "--padding", spatial_rank, 0, pool->pad_begin, err, err_size) !=
            0 ||
        expand_list(&r->dilation, "--dilation", spatial_rank, 1, pool->dilation, err, err_size) !=
            0)
        return -1;
    memcpy(pool->pad_end, pool->pad_begin, sizeof pool->pad_end);
    pool->ceil_mode = r->ceil_mode;
    pool->count_include_pad = !r->exclude_pad;
    pool->has_divisor_override = r->has_divisor;
    pool->divisor_override = r->divisor;
    return 0;
}
