/*
 * The command-line tool: its parsers unit-tested flag by flag (no device), then the real `clpool`
 * binary run end to end — pooling .npy files and comparing with the CPU reference, every kind of
 * bad input giving exit status 2 with no output left behind, devices and a small benchmark with
 * JSON output. The binary's path comes from CMake (CLPOOL_CLI_PATH).
 */
#include "suite_main.h"
#include "bench_layers.h"
#include "cases.h"
#include "cli_args.h"
#include "compare.h"
#include "expect.h"
#include "npy.h"
#include "reference.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLPOOL_CLI_PATH
#error "CLPOOL_CLI_PATH must name the clpool binary"
#endif

static char err[2048];

/* ---- Flag parsing -----------------------------------------------------------------------------
 */

static cli_parse_result parse_pool_line(const char *line, cli_pool_request *r) {
    char copy[1024], *argv[64];
    int argc = 0;
    snprintf(copy, sizeof copy, "pool %s", line);
    for (char *t = strtok(copy, " "); t && argc < 64; t = strtok(NULL, " "))
        argv[argc++] = t;
    static char storage[1024]; /* the request points into argv: keep the strings alive */
    memcpy(storage, copy, sizeof copy);
    for (int i = 0; i < argc; ++i)
        argv[i] = storage + (argv[i] - copy);
    return cli_parse_pool(argc, argv, r, err, sizeof err);
}

START_TEST(test_pool_flags_parse) {
    cli_pool_request r;
    ck_assert_int_eq(parse_pool_line("--mode avg --kernel 3,2 --stride=2 --padding 1,0 "
                                     "--dilation 1 --ceil-mode --exclude-pad --divisor -4 "
                                     "--channels-last --device 0:0 --check in.npy out.npy",
                                     &r),
                     CLI_PARSED);
    ck_assert_int_eq(r.mode, CLPOOL_MODE_AVG);
    ck_assert_int_eq(r.kernel.count, 2);
    ck_assert_int_eq(r.kernel.values[1], 2);
    ck_assert_int_eq(r.stride.values[0], 2);
    ck_assert_int_eq(r.padding.values[0], 1);
    ck_assert(r.ceil_mode && r.exclude_pad && r.channels_last && r.check && r.has_divisor);
    ck_assert_int_eq(r.divisor, -4);
    ck_assert_str_eq(r.device, "0:0");
    ck_assert_str_eq(r.input_path, "in.npy");
    ck_assert_str_eq(r.output_path, "out.npy");
    ck_assert_int_eq(parse_pool_line("--mode max --kernel 2 -- -in.npy -out.npy", &r), CLI_PARSED);
    ck_assert_str_eq(r.input_path, "-in.npy");
    ck_assert_int_eq(parse_pool_line("--help", &r), CLI_HELP);
    ck_assert_int_eq(parse_pool_line("--mode max --kernel 2 --indices i.npy a b", &r), CLI_PARSED);
    ck_assert_str_eq(r.indices_path, "i.npy");
    ck_assert_int_eq(parse_pool_line("--mode max --adaptive=4,5 --indices i.npy a b", &r),
                     CLI_PARSED);
    ck_assert(r.adaptive.count == 2 && r.adaptive.values[1] == 5 && !r.global && !r.kernel.count);
    ck_assert_int_eq(parse_pool_line("--mode avg --global --channels-last a b", &r), CLI_PARSED);
    ck_assert(r.global && !r.adaptive.count && r.channels_last);
}
END_TEST

typedef struct bad_line {
    const char *line;
    const char *fragment; /* the message must name the problem */
} bad_line;

static const bad_line bad_pool_lines[] = {
    {"--mode max --kernel 2 --frobnicate a b", "unknown flag '--frobnicate'"},
    {"--mode max a b --kernel", "--kernel needs a value"},
    {"--mode max --kernel 3x a b", "--kernel '3x'"},
    {"--mode max --kernel 3,,2 a b", "--kernel '3,,2'"},
    {"--mode max --kernel 1,2,3,4 a b", "--kernel '1,2,3,4'"},
    {"--mode max --kernel 0 a b", "--kernel '0'"},
    {"--mode max --kernel 2 --stride -1 a b", "--stride '-1'"},
    {"--mode max --kernel 2 --stride 0 a b", "--stride '0'"},
    {"--mode max --kernel 2 --padding -1 a b", "--padding '-1'"},
    {"--mode max --kernel 2 --dilation 0 a b", "--dilation '0'"},
    {"--mode max --kernel 1099511627776 a b", "--kernel '1099511627776'"},
    {"--mode max --kernel 2 --kernel 3 a b", "--kernel is given twice"},
    {"--mode max --mode avg --kernel 2 a b", "--mode is given twice"},
    {"--mode mean --kernel 2 a b", "--mode 'mean'"},
    {"--kernel 2 a b", "--mode max|avg is required"},
    {"--mode max a b", "--kernel K[,K...] is required"},
    {"--mode avg --kernel 2 --divisor 0 a b", "--divisor '0'"},
    {"--mode avg --kernel 2 --divisor x a b", "--divisor 'x'"},
    {"--mode max --kernel 2 --exclude-pad a b", "--exclude-pad applies to --mode avg"},
    {"--mode max --kernel 2 --divisor 3 a b", "--divisor applies to --mode avg"},
    {"--mode avg --kernel 2 --indices i.npy a b", "--indices applies to --mode max"},
    {"--mode max --kernel 2 a", "expected INPUT.npy and OUTPUT.npy"},
    {"--mode max --kernel 2", "expected INPUT.npy and OUTPUT.npy"},
    {"--mode max --kernel 2 a b c", "unexpected extra argument 'c'"},
    {"--mode max --kernel 2 --check=1 a b", "--check takes no value"},
    {"--mode max --kernel 2 --device= a b", "--device needs a non-empty value"},
    {"--mode max --kernel 2 --indices b a b", "--indices 'b' is also OUTPUT"},
    {"--mode max --adaptive 2 --kernel 2 a b",
     "--adaptive replaces the window flags: drop --kernel"},
    {"--mode avg --global --stride 2 a b", "--global replaces the window flags: drop --stride"},
    {"--mode avg --adaptive 3 --padding 1 a b",
     "--adaptive replaces the window flags: drop --padding"},
    {"--mode max --global --dilation 2 a b", "--global replaces the window flags: drop --dilation"},
    {"--mode max --adaptive 2 --ceil-mode a b",
     "--adaptive replaces the window flags: drop --ceil-mode"},
    {"--mode avg --global --exclude-pad a b",
     "--global replaces the window flags: drop --exclude-pad"},
    {"--mode avg --adaptive 2 --divisor 4 a b",
     "--adaptive replaces the window flags: drop --divisor"},
    {"--mode max --adaptive 2 --global a b", "--adaptive and --global cannot be combined"},
    {"--mode max --adaptive 0 a b", "--adaptive '0'"},
    {"--mode max --adaptive 2,,3 a b", "--adaptive '2,,3'"},
    {"--mode max --adaptive 1,2,3,4 a b", "--adaptive '1,2,3,4'"},
    {"--mode max --adaptive 1099511627776 a b", "--adaptive '1099511627776'"},
    {"--mode max --adaptive 2 --adaptive 3 a b", "--adaptive is given twice"},
    {"--mode max --global --global a b", "--global is given twice"},
    {"--mode max --global=1 a b", "--global takes no value"},
    {"--mode avg --global --indices i.npy a b", "--indices applies to --mode max"},
};

START_TEST(test_pool_flags_reject) {
    cli_pool_request r;
    const bad_line *bad = &bad_pool_lines[_i];
    ck_assert_msg(parse_pool_line(bad->line, &r) == CLI_BAD_USAGE, "'%s' was accepted", bad->line);
    ck_assert_msg(strstr(err, bad->fragment) != NULL, "'%s': message '%s' lacks '%s'", bad->line,
                  err, bad->fragment);
}
END_TEST

START_TEST(test_backward_flags) {
    static char line[] = "backward --mode max --kernel 3 --stride 2 --input x.npy g.npy gi.npy";
    char *argv[16];
    int argc = 0;
    for (char *t = strtok(line, " "); t; t = strtok(NULL, " "))
        argv[argc++] = t;
    cli_pool_request r;
    ck_assert_int_eq(cli_parse_backward(argc, argv, &r, err, sizeof err), CLI_PARSED);
    ck_assert_str_eq(r.forward_input_path, "x.npy");
    ck_assert_str_eq(r.input_path, "g.npy");
    ck_assert_str_eq(r.output_path, "gi.npy");
    static char adaptive_line[] = "backward --mode avg --adaptive 3,2 --input x.npy g.npy gi.npy";
    argc = 0;
    for (char *t = strtok(adaptive_line, " "); t; t = strtok(NULL, " "))
        argv[argc++] = t;
    ck_assert_int_eq(cli_parse_backward(argc, argv, &r, err, sizeof err), CLI_PARSED);
    ck_assert(r.adaptive.count == 2 && r.adaptive.values[0] == 3);
    static const bad_line bad[] = {
        {"--mode max --kernel 2 g.npy gi.npy", "--input X.npy"},
        {"--mode max --kernel 2 --input x.npy g.npy", "expected GRAD_OUT.npy and GRAD_IN.npy"},
        {"--mode max --kernel 2 --input x.npy --indices i.npy g.npy gi.npy", "'--indices'"},
        {"--mode max --kernel 2 --input x.npy g.npy x.npy", "GRAD_IN 'x.npy' is also --input"},
        {"--mode max --kernel 2 --input x.npy --input y.npy g gi", "--input is given twice"},
        {"--mode avg --global --kernel 2 --input x.npy g gi", "--global replaces the window flags"},
        {"--mode max --adaptive 2 --global --input x.npy g gi", "cannot be combined"},
        {"--mode max --adaptive 2 --stride 1 --input x.npy g gi", "drop --stride"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        char copy[256], *args[32];
        int n = 0;
        snprintf(copy, sizeof copy, "backward %s", bad[i].line);
        for (char *t = strtok(copy, " "); t; t = strtok(NULL, " "))
            args[n++] = t;
        ck_assert_int_eq(cli_parse_backward(n, args, &r, err, sizeof err), CLI_BAD_USAGE);
        ck_assert_msg(strstr(err, bad[i].fragment), "'%s' gave '%s'", bad[i].line, err);
    }
    char *pool_input[] = {"pool", "--mode", "max", "--kernel", "2", "--input", "x", "a", "b"};
    ck_assert_int_eq(cli_parse_pool(9, pool_input, &r, err, sizeof err), CLI_BAD_USAGE);
    ck_assert_ptr_nonnull(strstr(err, "unknown flag '--input'"));
}
END_TEST

START_TEST(test_unpool_flags) {
    cli_unpool_request r;
    char *good[] = {"unpool",          "--indices", "i.npy",  "--output-size=8,9",
                    "--channels-last", "--check",   "in.npy", "out.npy"};
    ck_assert_int_eq(cli_parse_unpool(8, good, &r, err, sizeof err), CLI_PARSED);
    ck_assert_str_eq(r.indices_path, "i.npy");
    ck_assert(r.output_size.count == 2 && r.output_size.values[1] == 9);
    ck_assert(r.channels_last && r.check);
    static const bad_line bad[] = {
        {"--output-size 4 a b", "--indices IDX.npy is required"},
        {"--indices i a b", "--output-size S[,S...] is required"},
        {"--indices i --output-size 0 a b", "--output-size '0'"},
        {"--indices i --output-size 4 a", "expected IN.npy and OUT.npy"},
        {"--indices i --output-size 4 --kernel 2 a b", "unknown flag '--kernel'"},
        {"--indices i --indices j --output-size 4 a b", "--indices is given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        char copy[256], *args[32];
        int n = 0;
        snprintf(copy, sizeof copy, "unpool %s", bad[i].line);
        for (char *t = strtok(copy, " "); t; t = strtok(NULL, " "))
            args[n++] = t;
        ck_assert_int_eq(cli_parse_unpool(n, args, &r, err, sizeof err), CLI_BAD_USAGE);
        ck_assert_msg(strstr(err, bad[i].fragment), "'%s' gave '%s'", bad[i].line, err);
    }
}
END_TEST

START_TEST(test_bench_and_devices_flags) {
    cli_bench_request b;
    cli_devices_request d;
    char *good[] = {"bench",         "--quick",  "--generic", "--device", "1:0",
                    "--json=o.json", "--layers", "l.txt",     "--reps",   "20"};
    ck_assert_int_eq(cli_parse_bench(10, good, &b, err, sizeof err), CLI_PARSED);
    ck_assert(b.quick && b.generic && b.reps == 20);
    ck_assert_str_eq(b.device, "1:0");
    ck_assert_str_eq(b.json_path, "o.json");
    ck_assert_str_eq(b.layers_path, "l.txt");
    char *low_reps[] = {"bench", "--reps", "19"}, *twice[] = {"bench", "--quick", "--quick"},
         *unknown[] = {"bench", "--fast"}, *valued[] = {"bench", "--quick=yes"},
         *missing[] = {"bench", "--json"}, *help[] = {"bench", "--help"};
    ck_assert_int_eq(cli_parse_bench(3, low_reps, &b, err, sizeof err), CLI_BAD_USAGE);
    ck_assert_ptr_nonnull(strstr(err, "--reps '19'"));
    ck_assert_int_eq(cli_parse_bench(3, twice, &b, err, sizeof err), CLI_BAD_USAGE);
    ck_assert_ptr_nonnull(strstr(err, "--quick is given twice"));
    ck_assert_int_eq(cli_parse_bench(2, unknown, &b, err, sizeof err), CLI_BAD_USAGE);
    ck_assert_ptr_nonnull(strstr(err, "'--fast'"));
    ck_assert_int_eq(cli_parse_bench(2, valued, &b, err, sizeof err), CLI_BAD_USAGE);
    ck_assert_int_eq(cli_parse_bench(2, missing, &b, err, sizeof err), CLI_BAD_USAGE);
    ck_assert_ptr_nonnull(strstr(err, "--json needs a value"));
    ck_assert_int_eq(cli_parse_bench(2, help, &b, err, sizeof err), CLI_HELP);
    char *extra[] = {"devices", "all"};
    ck_assert_int_eq(cli_parse_devices(2, extra, &d, err, sizeof err), CLI_BAD_USAGE);
    ck_assert_ptr_nonnull(strstr(err, "'all'"));
    ck_assert_int_eq(cli_parse_devices(1, extra, &d, err, sizeof err), CLI_PARSED);
}
END_TEST

START_TEST(test_tune_flags) {
    cli_tune_request t;
    char *good[] = {"tune", "--quick", "--device",   "0:0",      "--layers=l.txt", "--reps",
                    "3",    "--sizes", "64,16,64,8", "--output", "t.txt"};
    ck_assert_int_eq(cli_parse_tune(11, good, &t, err, sizeof err), CLI_PARSED);
    ck_assert(t.quick && t.reps == 3);
    ck_assert_str_eq(t.device, "0:0");
    ck_assert_str_eq(t.layers_path, "l.txt");
    ck_assert_str_eq(t.output_path, "t.txt");
    ck_assert_int_eq(t.n_sizes, 3); /* sorted, each once */
    ck_assert(t.sizes[0] == 8 && t.sizes[1] == 16 && t.sizes[2] == 64);
    char *none[] = {"tune"};
    ck_assert_int_eq(cli_parse_tune(1, none, &t, err, sizeof err), CLI_PARSED);
    ck_assert(!t.quick && !t.reps && !t.n_sizes && !t.output_path && !t.layers_path);
    const bad_line bad[] = {
        {"--reps 2", "--reps '2'"},
        {"--sizes 0", "--sizes '0'"},
        {"--sizes 65537", "--sizes '65537'"},
        {"--sizes 16,,32", "--sizes '16,,32'"},
        {"--sizes 16,", "--sizes '16,'"},
        {"--sizes 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", "1 to 16"},
        {"--sizes x", "--sizes 'x'"},
        {"--output=", "--output needs a non-empty value"},
        {"--output", "--output needs a value"},
        {"--quick=1", "--quick takes no value"},
        {"--quick --quick", "--quick is given twice"},
        {"--json t.json", "unknown argument '--json'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        char copy[128], *argv[8] = {"tune"};
        int argc = 1;
        snprintf(copy, sizeof copy, "%s", bad[i].line);
        for (char *tok = strtok(copy, " "); tok && argc < 8; tok = strtok(NULL, " "))
            argv[argc++] = tok;
        ck_assert_int_eq(cli_parse_tune(argc, argv, &t, err, sizeof err), CLI_BAD_USAGE);
        ck_assert_msg(strstr(err, bad[i].fragment), "'%s' gave '%s'", bad[i].line, err);
    }
    char *help[] = {"tune", "--sizes", "8", "-h"};
    ck_assert_int_eq(cli_parse_tune(4, help, &t, err, sizeof err), CLI_HELP);
}
END_TEST

/* pool is what clpool_pool_desc_init_global gives for mode and rank. */
static int is_global(const clpool_pool_desc *pool, clpool_mode mode, int rank) {
    clpool_pool_desc global;
    clpool_pool_desc_init_global(&global, mode, rank);
    int same = pool->mode == mode && pool->spatial_rank == rank && pool->adaptive == 1 &&
               !pool->ceil_mode && !pool->has_divisor_override;
    for (int i = 0; i < rank; ++i)
        same = same && pool->output_size[i] == 1 && global.output_size[i] == 1;
    return same && global.adaptive == 1;
}

START_TEST(test_request_expands_per_dimension) {
    cli_pool_request r;
    clpool_pool_desc pool;
    ck_assert_int_eq(parse_pool_line("--mode avg --kernel 3 --stride 2,1 --padding 1 a b", &r),
                     CLI_PARSED);
    ck_assert_int_eq(cli_pool_desc_from_request(&r, 2, &pool, err, sizeof err), 0);
    ck_assert(pool.kernel[0] == 3 && pool.kernel[1] == 3);
    ck_assert(pool.stride[0] == 2 && pool.stride[1] == 1);
    ck_assert(pool.pad_begin[1] == 1 && pool.pad_end[0] == 1 && pool.dilation[1] == 1);
    ck_assert(pool.count_include_pad == 1 && !pool.ceil_mode && !pool.has_divisor_override);
    ck_assert_int_eq(parse_pool_line("--mode max --kernel 3,3,3 a b", &r), CLI_PARSED);
    ck_assert_int_ne(cli_pool_desc_from_request(&r, 2, &pool, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "--kernel has 3 values"));
    ck_assert_int_eq(parse_pool_line("--mode max --kernel 2 a b", &r), CLI_PARSED);
    ck_assert_int_eq(cli_pool_desc_from_request(&r, 2, &pool, err, sizeof err), 0);
    ck_assert_int_eq(pool.stride[0], 0); /* PyTorch's default: stride = kernel */
    ck_assert_int_eq(cli_pool_desc_from_request(&r, 1, &pool, err, sizeof err), 0);
    ck_assert(pool.spatial_rank == 1 && pool.kernel[0] == 2 && !pool.adaptive);
    /* --adaptive: one value for every dimension, or one each; --global: every size 1. */
    ck_assert_int_eq(parse_pool_line("--mode avg --adaptive 2,3 a b", &r), CLI_PARSED);
    ck_assert_int_eq(cli_pool_desc_from_request(&r, 2, &pool, err, sizeof err), 0);
    ck_assert(pool.adaptive == 1 && pool.spatial_rank == 2 && pool.mode == CLPOOL_MODE_AVG);
    ck_assert(pool.output_size[0] == 2 && pool.output_size[1] == 3);
    ck_assert(!pool.ceil_mode && !pool.has_divisor_override);
    ck_assert_int_ne(cli_pool_desc_from_request(&r, 3, &pool, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "--adaptive has 2 values, but the input has 3 spatial"));
    ck_assert_int_ne(cli_pool_desc_from_request(&r, 1, &pool, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "--adaptive has 2 values, but the input has 1 spatial"));
    ck_assert_int_eq(parse_pool_line("--mode max --adaptive 4 a b", &r), CLI_PARSED);
    ck_assert_int_eq(cli_pool_desc_from_request(&r, 3, &pool, err, sizeof err), 0);
    ck_assert(pool.adaptive && pool.output_size[0] == 4 && pool.output_size[2] == 4);
    ck_assert_int_eq(parse_pool_line("--mode max --global a b", &r), CLI_PARSED);
    ck_assert_int_eq(cli_pool_desc_from_request(&r, 1, &pool, err, sizeof err), 0);
    ck_assert(pool.adaptive == 1 && pool.spatial_rank == 1 && pool.output_size[0] == 1);
    ck_assert_int_eq(cli_pool_desc_from_request(&r, 3, &pool, err, sizeof err), 0);
    ck_assert(is_global(&pool, CLPOOL_MODE_MAX, 3));
}
END_TEST

START_TEST(test_layer_lists) {
    bench_layer *layers = NULL;
    size_t count = 0;
    ck_assert_int_eq(bench_layers_standard(&layers, &count, err, sizeof err), 0);
    ck_assert_uint_eq(count, 18);
    ck_assert_str_eq(layers[0].name, "resnet_stem");
    ck_assert(layers[0].rank == 2 && layers[0].size[0] == 112 && layers[0].kernel[1] == 3);
    ck_assert(layers[7].ceil_mode && layers[7].c == 832); /* googlenet_pool4 */
    int globals = 0, audio = 0, video = 0;
    for (size_t i = 0; i < count; ++i) {
        const bench_layer *l = &layers[i];
        if (strstr(l->name, "gap") || strcmp(l->name, "global_avg_large") == 0)
            globals += l->window == BENCH_WINDOW_GLOBAL && l->mode == CLPOOL_MODE_AVG;
        if (strcmp(l->name, "global_avg_large") == 0)
            ck_assert(l->c == 32 && l->rank == 2 && l->size[0] == 112 && l->size[1] == 112);
        audio += strcmp(l->name, "audio_pool") == 0 && l->rank == 1 && l->c == 64 &&
                 l->size[0] == 16000 && l->kernel[0] == 4 && l->stride[0] == 4 &&
                 l->padding[0] == 0 && l->mode == CLPOOL_MODE_MAX;
        video += strcmp(l->name, "video_pool") == 0 && l->rank == 3 && l->c == 64 &&
                 l->size[0] == 16 && l->size[2] == 56 && l->kernel[2] == 2 && l->stride[0] == 2 &&
                 l->padding[1] == 0 && l->mode == CLPOOL_MODE_MAX;
    }
    ck_assert_int_eq(globals, 3); /* resnet50_gap, mobilenetv2_gap, global_avg_large */
    ck_assert(audio == 1 && video == 1);
    free(layers);
    ck_assert_int_eq(bench_layers_parse("# c\n\n a max 4 5x6 3,2 1 1,0 ceil # x\n"
                                        "b avg 3 50 4 4 0\n"
                                        "c max 2 4x6x8 2 2,1,1 0\n"
                                        "d avg 5 7x7 global\n"
                                        "e max 5 9x11x3 adaptive 4,5,2\n",
                                        "t", &layers, &count, err, sizeof err),
                     0);
    ck_assert_uint_eq(count, 5);
    ck_assert(layers[0].rank == 2 && layers[0].size[1] == 6 && layers[0].kernel[1] == 2);
    ck_assert(layers[0].padding[1] == 0 && layers[0].ceil_mode);
    ck_assert(layers[1].rank == 1 && layers[1].size[0] == 50 && layers[1].stride[0] == 4);
    ck_assert(layers[2].rank == 3 && layers[2].size[2] == 8 && layers[2].kernel[2] == 2);
    ck_assert(layers[2].stride[0] == 2 && layers[2].stride[2] == 1 && !layers[2].ceil_mode);
    ck_assert(layers[3].window == BENCH_WINDOW_GLOBAL && layers[3].output_size[1] == 1);
    ck_assert(layers[4].window == BENCH_WINDOW_ADAPTIVE && layers[4].output_size[2] == 2);
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    bench_layer_descs(&layers[3], CLPOOL_LAYOUT_CHANNELS_LAST, 2, &pool, &input);
    ck_assert(is_global(&pool, CLPOOL_MODE_AVG, 2)); /* run as global pooling */
    ck_assert(input.n == 2 && input.c == 5 && input.spatial_rank == 2 && input.spatial[1] == 7);
    bench_layer_descs(&layers[2], CLPOOL_LAYOUT_CHANNELS_FIRST, 1, &pool, &input);
    ck_assert(pool.spatial_rank == 3 && pool.kernel[0] == 2 && pool.stride[1] == 1);
    ck_assert(pool.pad_end[2] == 0 && input.spatial_rank == 3 && input.spatial[0] == 4);
    free(layers);
    static const bad_line bad[] = {
        {"a max 4 5x6 3 1\n", "t:1: expected NAME MODE C SIZE KERNEL STRIDE PADDING"},
        {"\na mean 4 5 3 1 1\n", "t:2: mode 'mean'"},
        {"a max 0 5 3 1 1\n", "C '0'"},
        {"a max 4 5x6x7x8 3 1 1\n", "SIZE '5x6x7x8'"},
        {"a max 4 5xx6 3 1 1\n", "SIZE '5xx6'"},
        {"a max 4 5,6 3 1 1\n", "SIZE '5,6'"},
        {"a max 4 0x6 3 1 1\n", "SIZE '0x6'"},
        {"a max 4 5x6 3,3,3 1 1\n", "KERNEL '3,3,3' is not one value or 2"},
        {"a max 4 5x6x7 3,3 1 1\n", "KERNEL '3,3' is not one value or 3"},
        {"a max 4 5x6 3 0 1\n", "STRIDE '0'"},
        {"a max 4 5x6 3 1 -1\n", "PADDING '-1'"},
        {"a max 4 5x6 3 1 1 ceiling\n", "unexpected 'ceiling'"},
        {"a max 4 5 6 3 1 1\n", "SIZE is one field"}, /* the old NAME MODE C H W form */
        {"g avg 4 5x6 global 1\n", "t:1: expected"},
        {"g avg 4 5x6 adaptive\n", "t:1: expected"},
        {"g avg 4 5x6 adaptive 0\n", "adaptive output size '0'"},
        {"g avg 4 5x6 adaptive 1,2,3\n", "adaptive output size '1,2,3'"},
        {"# only comments\n", "no layers"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        ck_assert_int_ne(bench_layers_parse(bad[i].line, "t", &layers, &count, err, sizeof err), 0);
        ck_assert_msg(strstr(err, bad[i].fragment), "'%s' gave '%s'", bad[i].line, err);
    }
    ck_assert_int_ne(bench_layers_read("/nonexistent/layers.txt", &layers, &count, err, sizeof err),
                     0);
}
END_TEST

/* ---- End to end: the real binary --------------------------------------------------------------
 */

static char dir[64];

static void make_dir(void) {
    snprintf(dir, sizeof dir, "/tmp/clpool_cli_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void) {
    char command[128];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    ck_assert_int_eq(system(command), 0);
}

static char out_text[65536];

/* Runs `clpool ARGS` in dir (paths in args are relative to it); returns the exit status and
 * leaves stdout + stderr in out_text. */
static int run_cli(const char *args) {
    char command[2048], log[128];
    snprintf(log, sizeof log, "%s/log.txt", dir);
    snprintf(command, sizeof command, "cd %s && '%s' %s > log.txt 2>&1", dir, CLPOOL_CLI_PATH,
             args);
    const int status = system(command);
    FILE *f = fopen(log, "rb");
    size_t n = f ? fread(out_text, 1, sizeof out_text - 1, f) : 0;
    out_text[n] = '\0';
    if (f)
        fclose(f);
    remove(log);
    ck_assert_msg(WIFEXITED(status), "clpool %s did not exit normally", args);
    return WEXITSTATUS(status);
}

static void path_in_dir(const char *name, char *path, size_t size) {
    snprintf(path, size, "%s/%s", dir, name);
}

static void write_array(const char *name, npy_dtype dtype, const int64_t *shape, int ndim,
                        const void *data) {
    char path[256];
    path_in_dir(name, path, sizeof path);
    ck_assert_msg(npy_write(path, dtype, shape, ndim, data, err, sizeof err) == 0, "%s", err);
}

/* The folder holds exactly the given number of entries (no output or temporary left behind). */
static void expect_entries(int expected) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    ck_assert_msg(n == expected, "%d files in %s, expected %d", n, dir, expected);
}

typedef struct e2e_case {
    const char *flags;
    clpool_mode mode;
    int64_t k, s, p;
    int ceil_mode, exclude_pad, channels_last;
} e2e_case;

static const e2e_case e2e_cases[] = {
    {"--mode max --kernel 3 --stride 2 --padding 1", CLPOOL_MODE_MAX, 3, 2, 1, 0, 0, 0},
    {"--mode max --kernel 3 --stride 2 --ceil-mode --channels-last", CLPOOL_MODE_MAX, 3, 2, 0, 1, 0,
     1},
    {"--mode avg --kernel 3 --stride 2 --padding 1 --ceil-mode", CLPOOL_MODE_AVG, 3, 2, 1, 1, 0, 0},
    {"--mode avg --kernel 2 --padding 1 --exclude-pad --channels-last --check", CLPOOL_MODE_AVG, 2,
     2, 1, 0, 1, 1},
};

/* Pools a 2x3x9x11 tensor through the binary and compares the file with the reference. */
START_TEST(test_pool_files) {
    const e2e_case *c = &e2e_cases[_i];
    make_dir();
    const int64_t n = 2, ch = 3, h = 9, w = 11;
    float x[2 * 3 * 9 * 11];
    fill_input(FILL_NAN_SCATTER, 11 + (uint64_t)_i, x, sizeof x / sizeof x[0]);
    const int64_t shape[4] = {n, c->channels_last ? h : ch, c->channels_last ? w : h,
                              c->channels_last ? ch : w};
    write_array("in.npy", NPY_F32, shape, 4, x);
    char args[256];
    snprintf(args, sizeof args, "pool %s in.npy out.npy", c->flags);
    ck_assert_msg(run_cli(args) == 0, "clpool %s: %s", args, out_text);

    clpool_pool_desc pool;
    clpool_tensor_desc input, output;
    clpool_pool_desc_init_2d(&pool, c->mode, c->k, c->k);
    pool.stride[0] = pool.stride[1] = c->s;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = c->p;
    pool.ceil_mode = c->ceil_mode;
    pool.count_include_pad = !c->exclude_pad;
    clpool_tensor_desc_init_2d(
        &input, CLPOOL_DTYPE_F32,
        c->channels_last ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST, n, ch, h, w);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &output), CLPOOL_SUCCESS);
    const size_t count = (size_t)(n * ch * output.spatial[0] * output.spatial[1]);
    float want[2 * 3 * 9 * 11], scale[2 * 3 * 9 * 11], *y = NULL;
    ck_assert_int_eq(ref_pool_forward(&pool, &input, x, want, scale), 0);
    npy_header header;
    char path[256];
    path_in_dir("out.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &header, &y, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(header.ndim, 4);
    ck_assert_int_eq(header.shape[0], n);
    ck_assert_int_eq(header.shape[c->channels_last ? 3 : 1], ch);
    ck_assert_int_eq(header.shape[c->channels_last ? 1 : 2], output.spatial[0]);
    ck_assert_int_eq(header.shape[c->channels_last ? 2 : 3], output.spatial[1]);
    const ref_comparison cmp = ref_compare(c->mode, y, want, scale, count);
    ck_assert_msg(cmp.mismatches == 0, "%zu mismatches, first at %zu", cmp.mismatches,
                  cmp.first_mismatch);
    free(y);
    expect_entries(2);
    remove_dir();
}
END_TEST

/* A pooling of any rank as a table row: window[] is the kernel (sliding) or the output size
 * (adaptive and global), one value per dimension. */
typedef struct rank_case {
    const char *flags;
    clpool_mode mode;
    int rank;
    int64_t size[3];
    int adaptive; /* 0 sliding, 1 adaptive, 2 global */
    int64_t window[3], stride, pad;
    int ceil_mode, exclude_pad, channels_last;
    int indices; /* also --indices, compared with the reference's */
    int unpool;  /* and unpool them back with --check */
} rank_case;

static const rank_case rank_cases[] = {
    /* 1D and 3D sliding windows */
    {"--mode max --kernel 3 --stride 2 --padding 1",
     CLPOOL_MODE_MAX,
     1,
     {20},
     0,
     {3},
     2,
     1,
     0,
     0,
     0,
     1,
     1},
    {"--mode avg --kernel 3 --stride 2 --padding 1 --exclude-pad --channels-last",
     CLPOOL_MODE_AVG,
     1,
     {20},
     0,
     {3},
     2,
     1,
     0,
     1,
     1,
     0,
     0},
    {"--mode max --kernel 2,3,2 --stride 2 --channels-last",
     CLPOOL_MODE_MAX,
     3,
     {5, 6, 7},
     0,
     {2, 3, 2},
     2,
     0,
     0,
     0,
     1,
     1,
     1},
    {"--mode avg --kernel 3 --stride 2 --padding 1 --ceil-mode",
     CLPOOL_MODE_AVG,
     3,
     {5, 6, 7},
     0,
     {3, 3, 3},
     2,
     1,
     1,
     0,
     0,
     0,
     0},
    /* adaptive: sizes that divide the input, that do not, and an output larger than the input */
    {"--mode max --adaptive 4,3", CLPOOL_MODE_MAX, 2, {8, 12}, 1, {4, 3}, 0, 0, 0, 0, 0, 1, 0},
    {"--mode avg --adaptive 4,5 --channels-last",
     CLPOOL_MODE_AVG,
     2,
     {9, 11},
     1,
     {4, 5},
     0,
     0,
     0,
     0,
     1,
     0,
     0},
    {"--mode avg --adaptive 7", CLPOOL_MODE_AVG, 1, {5}, 1, {7}, 0, 0, 0, 0, 0, 0, 0},
    {"--mode max --adaptive 2,3,4 --channels-last",
     CLPOOL_MODE_MAX,
     3,
     {5, 6, 7},
     1,
     {2, 3, 4},
     0,
     0,
     0,
     0,
     1,
     1,
     0},
    /* global */
    {"--mode max --global", CLPOOL_MODE_MAX, 3, {3, 4, 5}, 2, {1, 1, 1}, 0, 0, 0, 0, 0, 1, 0},
    {"--mode avg --global --channels-last",
     CLPOOL_MODE_AVG,
     2,
     {7, 7},
     2,
     {1, 1},
     0,
     0,
     0,
     0,
     1,
     0,
     0},
};

/* The descriptors a rank_case means, built without the tool's parser. */
static void rank_case_descs(const rank_case *c, int64_t n, int64_t ch, clpool_pool_desc *pool,
                            clpool_tensor_desc *input) {
    if (c->adaptive == 2)
        clpool_pool_desc_init_global(pool, c->mode, c->rank);
    else if (c->adaptive)
        clpool_pool_desc_init_adaptive(pool, c->mode, c->rank, c->window);
    else
        clpool_pool_desc_init(pool, c->mode, c->rank, c->window);
    for (int i = 0; !c->adaptive && i < c->rank; ++i) {
        pool->stride[i] = c->stride;
        pool->pad_begin[i] = pool->pad_end[i] = c->pad;
    }
    pool->ceil_mode = c->ceil_mode;
    pool->count_include_pad = !c->exclude_pad;
    clpool_tensor_desc_init(input, CLPOOL_DTYPE_F32,
                            c->channels_last ? CLPOOL_LAYOUT_CHANNELS_LAST
                                             : CLPOOL_LAYOUT_CHANNELS_FIRST,
                            n, ch, c->rank, c->size);
}

/* The array shape of a tensor in its layout's order; returns its rank. */
static int array_shape(const clpool_tensor_desc *t, int64_t shape[5]) {
    const int last = t->layout == CLPOOL_LAYOUT_CHANNELS_LAST;
    shape[0] = t->n;
    shape[last ? t->spatial_rank + 1 : 1] = t->c;
    for (int i = 0; i < t->spatial_rank; ++i)
        shape[(last ? 1 : 2) + i] = t->spatial[i];
    return t->spatial_rank + 2;
}

static int64_t *read_int64_npy(const char *name, npy_header *header);

/* idx.npy holds the reference's indices for pooling x. */
static void expect_indices_file(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                                const float *x, size_t count) {
    npy_header header;
    float *values = malloc(count * sizeof *values);
    int64_t *want = malloc(count * sizeof *want), *indices = read_int64_npy("idx.npy", &header);
    ck_assert_int_eq(ref_pool_max_indices(pool, input, x, values, want), 0);
    for (size_t i = 0; i < count; ++i)
        expect_each(indices[i] == want[i], "index %zu is %lld, want %lld", i, (long long)indices[i],
                    (long long)want[i]);
    free(values);
    free(want);
    free(indices);
}

/* clpool unpool takes out.npy and idx.npy back to the input's shape, passing --check. */
static void expect_unpool_round_trip(const rank_case *c, const int64_t *in_shape, int ndim) {
    char sizes[64], args[256], path[256];
    snprintf(sizes, sizeof sizes, "%lld", (long long)c->size[0]);
    for (int d = 1; d < c->rank; ++d)
        snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), ",%lld",
                 (long long)c->size[d]);
    snprintf(args, sizeof args,
             "unpool --indices idx.npy --output-size %s %s--check out.npy un.npy", sizes,
             c->channels_last ? "--channels-last " : "");
    ck_assert_msg(run_cli(args) == 0, "clpool %s: %s", args, out_text);
    npy_header header;
    float *un = NULL;
    path_in_dir("un.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &header, &un, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(header.ndim, ndim);
    for (int d = 0; d < ndim; ++d)
        ck_assert_int_eq(header.shape[d], in_shape[d]);
    free(un);
}

/* Rank-3 and rank-5 files (1D and 3D pooling), adaptive and global pooling through the binary
 * with --check, compared with the reference here too: shape, values and indices. */
START_TEST(test_pool_ranks_and_adaptive) {
    const rank_case *c = &rank_cases[_i];
    make_dir();
    clpool_pool_desc pool;
    clpool_tensor_desc input, output;
    rank_case_descs(c, 2, 3, &pool, &input);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &output), CLPOOL_SUCCESS);
    int64_t n_in = 0, n_out = 0, in_shape[5], out_shape[5];
    clpool_tensor_desc_size(&input, &n_in, NULL);
    clpool_tensor_desc_size(&output, &n_out, NULL);
    const int ndim = array_shape(&input, in_shape);
    array_shape(&output, out_shape);
    float *x = malloc((size_t)n_in * sizeof *x), *want = malloc((size_t)n_out * sizeof *want);
    float *scale = malloc((size_t)n_out * sizeof *scale), *y = NULL;
    fill_input(c->mode == CLPOOL_MODE_MAX ? FILL_INTEGERS : FILL_RANDOM, 40 + (uint64_t)_i, x,
               (size_t)n_in);
    write_array("in.npy", NPY_F32, in_shape, ndim, x);
    char args[256];
    snprintf(args, sizeof args, "pool %s %s--check in.npy out.npy", c->flags,
             c->indices ? "--indices idx.npy " : "");
    ck_assert_msg(run_cli(args) == 0, "clpool %s: %s", args, out_text);

    ck_assert_int_eq(ref_pool_forward(&pool, &input, x, want, scale), 0);
    npy_header header;
    char path[256];
    path_in_dir("out.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &header, &y, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(header.ndim, ndim);
    for (int d = 0; d < ndim; ++d)
        ck_assert_msg(header.shape[d] == out_shape[d], "%s: dim %d is %lld, want %lld", args, d,
                      (long long)header.shape[d], (long long)out_shape[d]);
    const ref_comparison cmp = ref_compare(c->mode, y, want, scale, (size_t)n_out);
    ck_assert_msg(cmp.mismatches == 0, "%s: %zu mismatches, first at %zu", args, cmp.mismatches,
                  cmp.first_mismatch);
    if (c->indices)
        expect_indices_file(&pool, &input, x, (size_t)n_out);
    if (c->unpool)
        expect_unpool_round_trip(c, in_shape, ndim);
    expect_entries(2 + c->indices + c->unpool);
    free(x);
    free(want);
    free(scale);
    free(y);
    remove_dir();
}
END_TEST

/* clpool backward --adaptive / --global against the reference gradients: max with sizes that do
 * not divide the input (windows overlap), global average in 3D channels-last. */
START_TEST(test_backward_adaptive) {
    static const rank_case cases[] = {
        {"--mode max --adaptive 4,5", CLPOOL_MODE_MAX, 2, {9, 11}, 1, {4, 5}, 0, 0, 0, 0, 0, 0, 0},
        {"--mode avg --global --channels-last",
         CLPOOL_MODE_AVG,
         3,
         {3, 4, 5},
         2,
         {1, 1, 1},
         0,
         0,
         0,
         0,
         1,
         0,
         0},
    };
    const rank_case *c = &cases[_i];
    make_dir();
    clpool_pool_desc pool;
    clpool_tensor_desc input, output;
    rank_case_descs(c, 2, 3, &pool, &input);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &output), CLPOOL_SUCCESS);
    int64_t n_in = 0, n_out = 0, in_shape[5], out_shape[5];
    clpool_tensor_desc_size(&input, &n_in, NULL);
    clpool_tensor_desc_size(&output, &n_out, NULL);
    const int ndim = array_shape(&input, in_shape);
    array_shape(&output, out_shape);
    float *x = malloc((size_t)n_in * sizeof *x), *grad = malloc((size_t)n_out * sizeof *grad);
    float *want = malloc((size_t)n_in * sizeof *want), *got = NULL;
    fill_input(c->mode == CLPOOL_MODE_MAX ? FILL_INTEGERS : FILL_RANDOM, 60 + (uint64_t)_i, x,
               (size_t)n_in);
    fill_input(FILL_RANDOM, 70 + (uint64_t)_i, grad, (size_t)n_out);
    write_array("x.npy", NPY_F32, in_shape, ndim, x);
    write_array("g.npy", NPY_F32, out_shape, ndim, grad);
    char args[256];
    snprintf(args, sizeof args, "backward %s --check --input x.npy g.npy gi.npy", c->flags);
    ck_assert_msg(run_cli(args) == 0, "clpool %s: %s", args, out_text);
    const int max = c->mode == CLPOOL_MODE_MAX;
    ck_assert_int_eq(max ? ref_pool_backward_max_from_input(&pool, &input, x, grad, want)
                         : ref_pool_backward_avg(&pool, &input, grad, want),
                     0);
    npy_header header;
    char path[256];
    path_in_dir("gi.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &header, &got, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(header.ndim, ndim);
    for (int d = 0; d < ndim; ++d)
        ck_assert_int_eq(header.shape[d], in_shape[d]);
    for (int64_t i = 0; i < n_in; ++i)
        expect_each(max ? memcmp(&got[i], &want[i], 4) == 0
                        : (got[i] - want[i] <= 1e-5f && want[i] - got[i] <= 1e-5f),
                    "%s: grad_input %lld: %g, want %g", args, (long long)i, got[i], want[i]);
    free(x);
    free(grad);
    free(want);
    free(got);
    remove_dir();
}
END_TEST

/* Bad inputs and parameters: exit 2, a message naming the problem, no output, and an existing
 * output file left as it was. */
typedef struct failing_run {
    const char *args;
    int status;
    const char *fragment;
} failing_run;

static const failing_run failing_runs[] = {
    {"pool --mode max --kernel 3 --padding 2 in4.npy out.npy", 2, "pad_begin[0]"},
    {"pool --mode max --kernel 9 in4.npy out.npy", 2, "output size along H"},
    {"pool --mode max --kernel 2 missing.npy out.npy", 2, "missing.npy"},
    {"pool --mode max --kernel 2 int64.npy out.npy", 2, "<i8"},
    {"pool --mode max --kernel 2 rank2.npy out.npy", 2, "rank 2"},
    {"pool --mode max --kernel 2,2 rank3.npy out.npy", 2,
     "--kernel has 2 values, but the input has 1 spatial dimension:"},
    {"pool --mode max --kernel 3 rank5.npy out.npy", 2, "output size along D"},
    {"pool --mode max --adaptive 2,2 rank5.npy out.npy", 2,
     "--adaptive has 2 values, but the input has 3 spatial dimensions"},
    {"pool --mode avg --adaptive 0 in4.npy out.npy", 2, "--adaptive '0'"},
    {"pool --mode max --global --kernel 2 in4.npy out.npy", 2, "drop --kernel"},
    {"backward --mode avg --adaptive 2 --global --input in4.npy in4.npy out.npy", 2,
     "cannot be combined"},
    {"backward --mode avg --global --input in4.npy in4.npy out.npy", 2, "GRAD_OUT has shape"},
    {"pool --mode max --kernel 2 fortran.npy out.npy", 2, "Fortran"},
    {"pool --mode max --kernel 2 truncated.npy out.npy", 2, "truncated"},
    {"pool --mode max --kernel 2 --indices out.npy in4.npy out.npy", 2, "--indices 'out.npy'"},
    {"pool --mode avg --kernel 2 --indices idx.npy in4.npy out.npy", 2, "--indices applies"},
    {"pool --mode max --kernel 2 --device no-such-device in4.npy out.npy", 2, "no-such-device"},
    {"pool --mode max --kernel 2,2,2 in4.npy out.npy", 2, "--kernel has 3 values"},
    {"pool --mode avg --kernel 2 --divisor 0 in4.npy out.npy", 2, "--divisor"},
    {"pool --mode max --kernel 2 --bogus in4.npy out.npy", 2, "--bogus"},
    {"frobnicate", 2, "unknown command"},
    {"", 2, "usage: clpool"},
    {"devices extra", 2, "'extra'"},
    {"bench --layers bad_layers.txt", 2, "bad_layers.txt:1"},
    {"bench --reps 5", 2, "--reps"},
};

/* A version 1.0 .npy file with the given header dict (padded to 128 bytes) and count floats. */
static void write_raw_npy(const char *name, const char *dict, const float *x, size_t count) {
    char path[256];
    path_in_dir(name, path, sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    const int header_length = 128 - 10; /* after the magic, version and length field */
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(header_length, f);
    fputc(0, f);
    fprintf(f, "%-*s\n", header_length - 1, dict);
    fwrite(x, sizeof(float), count, f);
    fclose(f);
}

static void write_bad_inputs(void) {
    static const float x[4 * 4 * 4 * 4] = {0};
    static const int64_t values64[16] = {0};
    const int64_t s4[4] = {1, 1, 4, 4}, s2[2] = {4, 4}, s3[3] = {1, 1, 4}, s5[5] = {1, 1, 2, 2, 2};
    write_array("in4.npy", NPY_F32, s4, 4, x);
    write_array("int64.npy", NPY_I64, s4, 4, values64);
    write_array("rank2.npy", NPY_F32, s2, 2, x);
    write_array("rank3.npy", NPY_F32, s3, 3, x);
    write_array("rank5.npy", NPY_F32, s5, 5, x);
    /* Fortran order and truncated data: headers NumPy's writer would not produce. */
    write_raw_npy("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 2, 2), }",
                  x, 4);
    write_raw_npy("truncated.npy",
                  "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 4, 4), }", x, 15);
    char path[256];
    FILE *f;
    path_in_dir("bad_layers.txt", path, sizeof path);
    f = fopen(path, "w");
    fputs("tiny maximum 4 8 8 3 2 0\n", f);
    fclose(f);
}

START_TEST(test_failures_leave_no_output) {
    make_dir();
    write_bad_inputs();
    char path[256];
    for (size_t i = 0; i < sizeof failing_runs / sizeof failing_runs[0]; ++i) {
        const failing_run *run = &failing_runs[i];
        const int status = run_cli(run->args);
        ck_assert_msg(status == run->status, "clpool %s: exit %d, want %d: %s", run->args, status,
                      run->status, out_text);
        ck_assert_msg(strstr(out_text, run->fragment) != NULL, "clpool %s: '%s' lacks '%s'",
                      run->args, out_text, run->fragment);
        path_in_dir("out.npy", path, sizeof path);
        ck_assert_msg(access(path, F_OK) != 0, "clpool %s left out.npy behind", run->args);
    }
    expect_entries(8); /* only the inputs written above */

    /* A failing run does not clobber an existing output. */
    path_in_dir("out.npy", path, sizeof path);
    FILE *f = fopen(path, "w");
    fputs("keep me", f);
    fclose(f);
    ck_assert_int_eq(run_cli("pool --mode max --kernel 9 in4.npy out.npy"), 2);
    char kept[16] = "";
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(kept, sizeof kept, f));
    fclose(f);
    ck_assert_str_eq(kept, "keep me");
    remove_dir();
}
END_TEST

/* Reads an int64 .npy file written by the tool. */
static int64_t *read_int64_npy(const char *name, npy_header *header) {
    char path[256];
    path_in_dir(name, path, sizeof path);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static unsigned char bytes[1 << 16];
    const size_t size = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    ck_assert_msg(npy_parse_header(bytes, size, header, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(header->descr, "<i8");
    ck_assert(!header->fortran_order);
    const size_t n = (size - header->data_offset) / sizeof(int64_t);
    int64_t *values = malloc((n + 1) * sizeof *values);
    memcpy(values, bytes + header->data_offset, n * sizeof *values);
    return values;
}

/* --indices writes PyTorch's argmax indices as int64, laid out like the output, and --check
 * verifies them too. */
START_TEST(test_pool_indices_file) {
    make_dir();
    const int64_t n = 2, ch = 3, h = 9, w = 11;
    float x[2 * 3 * 9 * 11], want[2 * 3 * 9 * 11], *y = NULL;
    int64_t want_indices[2 * 3 * 9 * 11];
    fill_input(FILL_INTEGERS, 5, x, sizeof x / sizeof x[0]);
    const int64_t shape[4] = {n, h, w, ch};
    write_array("in.npy", NPY_F32, shape, 4, x);
    ck_assert_msg(run_cli("pool --mode max --kernel 3 --stride 2 --padding 1 --channels-last "
                          "--indices idx.npy --check in.npy out.npy") == 0,
                  "%s", out_text);
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 3, 3);
    pool.stride[0] = pool.stride[1] = 2;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, n, ch, h, w);
    ck_assert_int_eq(ref_pool_max_indices(&pool, &input, x, want, want_indices), 0);
    npy_header header, out_header;
    int64_t *indices = read_int64_npy("idx.npy", &header);
    char path[256];
    path_in_dir("out.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &out_header, &y, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(header.ndim, 4);
    for (int d = 0; d < 4; ++d)
        ck_assert_int_eq(header.shape[d], out_header.shape[d]);
    ck_assert(header.shape[1] == 5 && header.shape[2] == 6 && header.shape[3] == ch);
    const size_t count = (size_t)(n * 5 * 6 * ch);
    for (size_t i = 0; i < count; ++i)
        expect_each(indices[i] == want_indices[i] && memcmp(&y[i], &want[i], 4) == 0,
                    "output %zu: index %lld value %g, want %lld %g", i, (long long)indices[i], y[i],
                    (long long)want_indices[i], want[i]);
    free(indices);
    free(y);
    /* A failed run leaves an existing indices file as it was; "./" does not hide a collision. */
    path_in_dir("keep.npy", path, sizeof path);
    FILE *f = fopen(path, "w");
    fputs("keep me", f);
    fclose(f);
    ck_assert_int_eq(
        run_cli("pool --mode max --kernel 2 --indices keep.npy in.npy missing_dir/out.npy"), 1);
    char kept[16] = "";
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(fgets(kept, sizeof kept, f));
    fclose(f);
    ck_assert_str_eq(kept, "keep me");
    ck_assert_int_eq(run_cli("pool --mode max --kernel 2 --indices ./o.npy in.npy o.npy"), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "is also OUTPUT"));
    expect_entries(4); /* in, out, idx, keep: no partial files */
    remove_dir();
}
END_TEST

/* clpool backward against the scatter references, both modes and layouts; GRAD_IN has X's
 * shape and layout. */
START_TEST(test_backward_files) {
    make_dir();
    const int max = _i < 2, last = _i % 2;
    const int64_t n = 2, ch = 3, h = 9, w = 11;
    float x[2 * 3 * 9 * 11], grad[2 * 3 * 5 * 6], want[2 * 3 * 9 * 11], *got = NULL;
    fill_input(max ? FILL_INTEGERS : FILL_RANDOM, 3, x, sizeof x / sizeof x[0]);
    fill_input(FILL_RANDOM, 4, grad, sizeof grad / sizeof grad[0]);
    const int64_t x_shape[4] = {n, last ? h : ch, last ? w : h, last ? ch : w};
    const int64_t g_shape[4] = {n, last ? 5 : ch, last ? 6 : 5, last ? ch : 6};
    write_array("x.npy", NPY_F32, x_shape, 4, x);
    write_array("g.npy", NPY_F32, g_shape, 4, grad);
    char args[256];
    snprintf(args, sizeof args,
             "backward --mode %s --kernel 3 --stride 2 --padding 1 %s--check --input x.npy g.npy "
             "gi.npy",
             max ? "max" : "avg", last ? "--channels-last " : "");
    ck_assert_msg(run_cli(args) == 0, "clpool %s: %s", args, out_text);
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, max ? CLPOOL_MODE_MAX : CLPOOL_MODE_AVG, 3, 3);
    pool.stride[0] = pool.stride[1] = 2;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32,
                               last ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST, n,
                               ch, h, w);
    ck_assert_int_eq(max ? ref_pool_backward_max_from_input(&pool, &input, x, grad, want)
                         : ref_pool_backward_avg(&pool, &input, grad, want),
                     0);
    npy_header header;
    char path[256];
    path_in_dir("gi.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &header, &got, err, sizeof err) == 0, "%s", err);
    for (int d = 0; d < 4; ++d)
        ck_assert_int_eq(header.shape[d], x_shape[d]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i)
        expect_each(max ? memcmp(&got[i], &want[i], 4) == 0
                        : (got[i] - want[i] <= 1e-5f && want[i] - got[i] <= 1e-5f),
                    "grad_input %zu: %g, want %g", i, got[i], want[i]);
    free(got);
    /* A GRAD_OUT of the wrong shape is an input problem: exit 2, no GRAD_IN. */
    ck_assert_int_eq(run_cli("backward --mode max --kernel 2 --input x.npy g.npy bad.npy"), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "GRAD_OUT has shape"));
    path_in_dir("bad.npy", path, sizeof path);
    ck_assert_int_ne(access(path, F_OK), 0);
    remove_dir();
}
END_TEST

/* pool --indices, then unpool: every maximum back at its position, zeros elsewhere, --check
 * passing; indices that do not fit the output size are an unusable input. */
START_TEST(test_unpool_files) {
    make_dir();
    const int last = _i;
    const int64_t n = 2, ch = 3, h = 9, w = 11;
    float x[2 * 3 * 9 * 11], values[2 * 3 * 4 * 5], want[2 * 3 * 9 * 11], *got = NULL;
    int64_t indices[2 * 3 * 4 * 5];
    fill_input(FILL_RANDOM, 9, x, sizeof x / sizeof x[0]);
    const int64_t x_shape[4] = {n, last ? h : ch, last ? w : h, last ? ch : w};
    write_array("x.npy", NPY_F32, x_shape, 4, x);
    char args[256];
    snprintf(args, sizeof args, "pool --mode max --kernel 2 %s--indices i.npy x.npy p.npy",
             last ? "--channels-last " : "");
    ck_assert_msg(run_cli(args) == 0, "%s", out_text);
    snprintf(args, sizeof args, "unpool --indices i.npy --output-size 9,11 %s--check p.npy u.npy",
             last ? "--channels-last " : "");
    ck_assert_msg(run_cli(args) == 0, "%s", out_text);
    clpool_pool_desc pool;
    clpool_tensor_desc input, pooled;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 2, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32,
                               last ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST, n,
                               ch, h, w);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &pooled), CLPOOL_SUCCESS);
    ck_assert_int_eq(ref_pool_max_indices(&pool, &input, x, values, indices), 0);
    ck_assert_int_eq(ref_max_unpool(&pooled, input.spatial, values, indices, want), 0);
    npy_header header;
    char path[256];
    path_in_dir("u.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &header, &got, err, sizeof err) == 0, "%s", err);
    for (int d = 0; d < 4; ++d)
        ck_assert_int_eq(header.shape[d], x_shape[d]);
    ck_assert_int_eq(memcmp(got, want, sizeof want), 0);
    free(got);
    /* Too small an output for the indices; IDX of the wrong type or shape. */
    snprintf(args, sizeof args, "unpool --indices i.npy --output-size 3 %sp.npy bad.npy",
             last ? "--channels-last " : "");
    ck_assert_int_eq(run_cli(args), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "neither -1 nor inside"));
    ck_assert_int_eq(run_cli("unpool --indices p.npy --output-size 9,11 p.npy bad.npy"), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "int64"));
    ck_assert_int_eq(run_cli("unpool --indices i.npy --output-size 9,11 x.npy bad.npy"), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "IDX must have IN's shape"));
    path_in_dir("bad.npy", path, sizeof path);
    ck_assert_int_ne(access(path, F_OK), 0);
    remove_dir();
}
END_TEST

/* N = 0 pools to an empty array of the right shape. */
START_TEST(test_pool_empty_batch) {
    make_dir();
    const int64_t shape[4] = {0, 3, 8, 8};
    const float none = 0;
    write_array("empty.npy", NPY_F32, shape, 4, &none);
    ck_assert_msg(run_cli("pool --mode avg --kernel 2 empty.npy out.npy") == 0, "%s", out_text);
    npy_header header;
    float *y = NULL;
    char path[256];
    path_in_dir("out.npy", path, sizeof path);
    ck_assert_msg(npy_read_f32(path, &header, &y, err, sizeof err) == 0, "%s", err);
    ck_assert(header.shape[0] == 0 && header.shape[1] == 3 && header.shape[2] == 4 &&
              header.shape[3] == 4);
    free(y);
    remove_dir();
}
END_TEST

START_TEST(test_help_and_devices) {
    make_dir();
    ck_assert_int_eq(run_cli("--help"), 0);
    ck_assert_ptr_nonnull(strstr(out_text, "devices"));
    ck_assert_ptr_nonnull(strstr(out_text, "tune"));
    ck_assert_int_eq(run_cli("--version"), 0);
    ck_assert_ptr_nonnull(strstr(out_text, CLPOOL_VERSION_STRING));
    static const char *const pool_flags[] = {
        "--mode",      "--kernel",      "--stride",  "--padding",       "--dilation",
        "--ceil-mode", "--exclude-pad", "--divisor", "--channels-last", "--indices",
        "--device",    "--check",       "--help",    "--adaptive",      "--global"};
    ck_assert_int_eq(run_cli("pool --help"), 0);
    for (size_t i = 0; i < sizeof pool_flags / sizeof pool_flags[0]; ++i)
        ck_assert_msg(strstr(out_text, pool_flags[i]), "pool --help lacks %s", pool_flags[i]);
    ck_assert_int_eq(run_cli("unpool --help"), 0);
    ck_assert_ptr_nonnull(strstr(out_text, "--output-size"));
    ck_assert_int_eq(run_cli("backward --help"), 0);
    ck_assert_ptr_nonnull(strstr(out_text, "--input X.npy"));
    ck_assert_ptr_nonnull(strstr(out_text, "--adaptive O[,O...]"));
    ck_assert_ptr_nonnull(strstr(out_text, "--global"));
    static const char *const bench_flags[] = {"--quick",  "--generic", "--device", "--json",
                                              "--layers", "--reps",    "--help"};
    ck_assert_int_eq(run_cli("bench --help"), 0);
    for (size_t i = 0; i < sizeof bench_flags / sizeof bench_flags[0]; ++i)
        ck_assert_msg(strstr(out_text, bench_flags[i]), "bench --help lacks %s", bench_flags[i]);
    static const char *const tune_flags[] = {"--quick", "--device", "--layers", "--reps",
                                             "--sizes", "--output", "--help",   "CLPOOL_TUNE_FILE"};
    ck_assert_int_eq(run_cli("tune --help"), 0);
    for (size_t i = 0; i < sizeof tune_flags / sizeof tune_flags[0]; ++i)
        ck_assert_msg(strstr(out_text, tune_flags[i]), "tune --help lacks %s", tune_flags[i]);
    ck_assert_int_eq(run_cli("tune --reps 1"), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "--reps '1'"));
    ck_assert_int_eq(run_cli("devices --help"), 0);
    ck_assert_int_eq(run_cli("devices"), 0);
    ck_assert_msg(strstr(out_text, "0:0") && strstr(out_text, "(default)") &&
                      strstr(out_text, "clpool kernels build: yes"),
                  "devices printed: %s", out_text);
    remove_dir();
}
END_TEST

/* A two-layer benchmark with JSON: every row verified (forward, max with indices, backward),
 * every key present. */
START_TEST(test_bench_json) {
    make_dir();
    char path[256];
    path_in_dir("layers.txt", path, sizeof path);
    FILE *f = fopen(path, "w");
    fputs("# two small layers\nsmall_max max 8 13x13 3 2 1\nsmall_avg avg 5 9x7 3,2 2,1 1,0 "
          "ceil\n",
          f);
    fclose(f);
    ck_assert_msg(run_cli("bench --quick --layers layers.txt --json rows.json") == 0, "%s",
                  out_text);
    ck_assert_ptr_nonnull(strstr(out_text, "small_avg"));
    ck_assert_ptr_nonnull(strstr(out_text, "host time of one clpool_plan_enqueue"));
    path_in_dir("rows.json", path, sizeof path);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char json[8192] = "";
    const size_t n = fread(json, 1, sizeof json - 1, f);
    fclose(f);
    json[n] = '\0';
    static const char *const keys[] = {"\"name\"",
                                       "\"mode\"",
                                       "\"layout\"",
                                       "\"dtype\"",
                                       "\"input\"",
                                       "\"output\"",
                                       "\"kernel\"",
                                       "\"stride\"",
                                       "\"padding\"",
                                       "\"ceil_mode\"",
                                       "\"kernel_ms_median\"",
                                       "\"kernel_ms_min\"",
                                       "\"gbps\"",
                                       "\"copy_gbps\"",
                                       "\"ratio_to_copy\"",
                                       "\"max_abs_err\"",
                                       "\"ok\"",
                                       "\"indices\"",
                                       "\"pass\""};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
        ck_assert_msg(strstr(json, keys[i]), "JSON lacks %s: %s", keys[i], json);
    int rows = 0, verified = 0;
    for (const char *at = json; (at = strstr(at, "\"name\"")); ++at)
        ++rows;
    for (const char *at = json; (at = strstr(at, "\"ok\": true")); ++at)
        ++verified;
    ck_assert_int_eq(rows, 10); /* each layout: forward, max with indices, backward */
    ck_assert_int_eq(verified, 10);
    ck_assert_ptr_nonnull(strstr(json, "\"mode\": \"avg\", \"pass\": \"backward\""));
    ck_assert_ptr_nonnull(
        strstr(json, "\"mode\": \"max\", \"pass\": \"forward\", \"indices\": \"int64\""));
    ck_assert_ptr_nonnull(strstr(json, "\"layout\": \"channels_last\", \"dtype\": \"float32\", "
                                       "\"input\": [1, 9, 7, 5]"));
    ck_assert_ptr_nonnull(strstr(json,
                                 "\"kernel\": [3, 2], \"stride\": [2, 1], \"padding\": [1, 0], "
                                 "\"ceil_mode\": true"));
    remove_dir();
}
END_TEST

/* Reads a whole small text file of dir. */
static void read_text(const char *name, char *text, size_t size) {
    char path[256];
    path_in_dir(name, path, sizeof path);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s is missing", path);
    const size_t n = fread(text, 1, size - 1, f);
    fclose(f);
    text[n] = '\0';
}

/* The local size the tuning file text lists for key, or 0. */
static size_t listed_size(const char *text, const char *key) {
    char line[128];
    snprintf(line, sizeof line, "\n%s ", key);
    const char *at = strstr(text, line);
    return at ? (size_t)strtoul(at + strlen(line), NULL, 10) : 0;
}

/* A forward plan of the layer's first row, channels-first, on a context reading path. */
static size_t planned_size(const char *layer_line, const char *path) {
    bench_layer *layers = NULL;
    size_t count = 0;
    ck_assert_int_eq(bench_layers_parse(layer_line, "t", &layers, &count, err, sizeof err), 0);
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    bench_layer_descs(&layers[0], CLPOOL_LAYOUT_CHANNELS_FIRST, 1, &pool, &input);
    clpool_context *ctx = NULL;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_context_create_default(&ctx), CLPOOL_SUCCESS);
    ck_assert_msg(clpool_context_set_tuning_file(ctx, path) == CLPOOL_SUCCESS, "%s",
                  clpool_last_error());
    ck_assert_int_eq(clpool_plan_create(ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    ck_assert_str_eq(clpool_plan_tuning_key(plan), "forward avg channels_first sliding");
    const size_t size = clpool_plan_local_size(plan);
    clpool_plan_release(plan);
    clpool_context_release(ctx);
    free(layers);
    return size;
}

/* `clpool tune` on one small layer writes a tuning file for this device that plans then read:
 * the size it chose, and after an edit of that entry, the edited size. */
START_TEST(test_tune_writes_file_plans_read) {
    static const char layer[] = "small_avg avg 5 9x7 3,2 2,1 1,0 ceil\n";
    unsetenv("CLPOOL_TUNE_FILE");
    make_dir();
    char path[256];
    path_in_dir("layers.txt", path, sizeof path);
    FILE *f = fopen(path, "w");
    fputs(layer, f);
    fclose(f);
    ck_assert_msg(run_cli("tune --quick --layers layers.txt --reps 3 --sizes 16,64 --output "
                          "tune.txt") == 0,
                  "%s", out_text);
    ck_assert_msg(strstr(out_text, "forward avg channels_first sliding") &&
                      strstr(out_text, "backward_avg avg channels_last sliding") &&
                      strstr(out_text, "wrote tune.txt (4 entries)") && strstr(out_text, "*"),
                  "%s", out_text);
    static char text[8192];
    read_text("tune.txt", text, sizeof text);
    const size_t chosen = listed_size(text, "forward avg channels_first sliding");
    path_in_dir("tune.txt", path, sizeof path);
    /* The winner is one of the sizes measured: --sizes plus each row's built-in size, which
     * depends on the row's work-item count; the table's header lists them all. */
    const char *header = strstr(out_text, "key ");
    ck_assert_ptr_nonnull(header);
    char header_line[256], column[32];
    snprintf(header_line, sizeof header_line, "%.*s ", (int)strcspn(header, "\n"), header);
    snprintf(column, sizeof column, " %zu ", chosen);
    ck_assert_msg(chosen > 0 && strstr(header_line, column), "%zu is not among '%s'", chosen,
                  header_line);
    ck_assert_uint_eq(planned_size(layer, path), chosen);
    char *entry = strstr(text, "\nforward avg channels_first sliding ");
    ck_assert_ptr_nonnull(entry);
    char *number = entry + strlen("\nforward avg channels_first sliding ");
    memmove(number + 1, number + strcspn(number, "\n"), strlen(number + strcspn(number, "\n")) + 1);
    number[0] = '8';
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    ck_assert_uint_eq(planned_size(layer, path), 8);
    ck_assert_int_eq(run_cli("tune --layers missing.txt"), 2);
    ck_assert_ptr_nonnull(strstr(out_text, "missing.txt"));
    remove_dir();
}
END_TEST

/* 1D and 3D layers and a global one through the benchmark: every row verified, the report and
 * the JSON saying what ran (rank, window kind, shapes of rank + 2). */
START_TEST(test_bench_ranks_and_global) {
    make_dir();
    char path[256];
    path_in_dir("layers.txt", path, sizeof path);
    FILE *f = fopen(path, "w");
    fputs("audio_small max 4 50 4 4 0\nvideo_gap avg 3 4x5x6 global\n", f);
    fclose(f);
    ck_assert_msg(run_cli("bench --quick --layers layers.txt --json rows.json") == 0, "%s",
                  out_text);
    ck_assert_msg(strstr(out_text, "video_gap") && strstr(out_text, "global") &&
                      strstr(out_text, "4/4/0") && strstr(out_text, "1x3x4x5x6") &&
                      strstr(out_text, "1x50x4"),
                  "%s", out_text);
    static char json[16384];
    read_text("rows.json", json, sizeof json);
    int rows = 0, verified = 0, global = 0;
    for (const char *at = json; (at = strstr(at, "\"name\"")); ++at)
        ++rows;
    for (const char *at = json; (at = strstr(at, "\"ok\": true")); ++at)
        ++verified;
    for (const char *at = json; (at = strstr(at, "\"window\": \"global\"")); ++at)
        ++global;
    ck_assert_int_eq(rows, 10); /* max: 3 passes x 2 layouts; global average: 2 x 2 */
    ck_assert_int_eq(verified, 10);
    ck_assert_int_eq(global, 4);
    ck_assert_msg(strstr(json, "\"input\": [1, 4, 50], \"output\": [1, 4, 12], \"spatial_rank\": "
                               "1, \"window\": \"sliding\", \"output_size\": null, \"kernel\": "
                               "[4], \"stride\": [4], \"padding\": [0], \"ceil_mode\": false"),
                  "%s", json);
    ck_assert_msg(strstr(json, "\"input\": [1, 4, 5, 6, 3], \"output\": [1, 1, 1, 1, 3], "
                               "\"spatial_rank\": 3, \"window\": \"global\", \"output_size\": "
                               "[1, 1, 1], \"kernel\": null"),
                  "%s", json);
    remove_dir();
}
END_TEST

static Suite *cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *parse = tcase_create("parse");
    tcase_add_test(parse, test_pool_flags_parse);
    tcase_add_loop_test(parse, test_pool_flags_reject, 0,
                        (int)(sizeof bad_pool_lines / sizeof bad_pool_lines[0]));
    tcase_add_test(parse, test_backward_flags);
    tcase_add_test(parse, test_unpool_flags);
    tcase_add_test(parse, test_bench_and_devices_flags);
    tcase_add_test(parse, test_tune_flags);
    tcase_add_test(parse, test_request_expands_per_dimension);
    tcase_add_test(parse, test_layer_lists);
    suite_add_tcase(s, parse);
    TCase *e2e = tcase_create("end_to_end");
    tcase_set_timeout(e2e, 240);
    tcase_add_loop_test(e2e, test_pool_files, 0, (int)(sizeof e2e_cases / sizeof e2e_cases[0]));
    tcase_add_test(e2e, test_failures_leave_no_output);
    tcase_add_test(e2e, test_pool_indices_file);
    tcase_add_loop_test(e2e, test_pool_ranks_and_adaptive, 0,
                        (int)(sizeof rank_cases / sizeof rank_cases[0]));
    tcase_add_loop_test(e2e, test_backward_files, 0, 4);
    tcase_add_loop_test(e2e, test_backward_adaptive, 0, 2);
    tcase_add_loop_test(e2e, test_unpool_files, 0, 2);
    tcase_add_test(e2e, test_pool_empty_batch);
    tcase_add_test(e2e, test_help_and_devices);
    tcase_add_test(e2e, test_bench_json);
    tcase_add_test(e2e, test_bench_ranks_and_global);
    tcase_add_test(e2e, test_tune_writes_file_plans_read);
    suite_add_tcase(s, e2e);
    return s;
}

int main(void) {
    return run_suite(cli_suite());
}
