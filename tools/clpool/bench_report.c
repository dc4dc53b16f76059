/*
 * The benchmark's report: a table for people on stdout, and the same rows as JSON for programs
 * (one object per row, shapes in memory order), written atomically.
 */
#include "bench_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *bench_pass_name(bench_pass pass) {
    return pass == BENCH_BACKWARD ? "backward"
                                  : (pass == BENCH_FORWARD_INDICES ? "forward+indices" : "forward");
}

static const char *layout_name(clpool_layout layout) {
    return layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels_last" : "channels_first";
}

/* Shape in memory order: N,C,H,W or N,H,W,C. */
static void memory_shape(const clpool_tensor_desc *t, int64_t shape[4]) {
    const int last = t->layout == CLPOOL_LAYOUT_CHANNELS_LAST;
    shape[0] = t->n;
    shape[last ? 3 : 1] = t->c;
    shape[last ? 1 : 2] = t->spatial[0];
    shape[last ? 2 : 3] = t->spatial[1];
}

static void shape_text(const clpool_tensor_desc *t, char *buf, size_t size) {
    int64_t s[4];
    memory_shape(t, s);
    snprintf(buf, size, "%lldx%lldx%lldx%lld", (long long)s[0], (long long)s[1], (long long)s[2],
             (long long)s[3]);
}

void bench_print_table(const bench_row *rows, size_t count, const char *heading) {
    printf("%s\n\n%-20s %-4s %-15s %-14s %-18s %-16s %9s %9s %8s %8s %6s %9s %s\n", heading,
           "layer", "mode", "pass", "layout", "input", "output", "ms med", "ms min", "GB/s", "copy",
           "ratio", "max err", "ok");
    for (size_t i = 0; i < count; ++i) {
        const bench_row *r = &rows[i];
        char in_text[48], out_text[48];
        shape_text(&r->input, in_text, sizeof in_text);
        shape_text(&r->output, out_text, sizeof out_text);
        printf("%-20s %-4s %-15s %-14s %-18s %-16s %9.4f %9.4f %8.2f %8.2f %5.0f%% %9.2g %s\n",
               r->layer->name, r->layer->mode == CLPOOL_MODE_MAX ? "max" : "avg",
               bench_pass_name(r->pass), layout_name(r->layout), in_text, out_text, r->ms_median,
               r->ms_min, r->gbps, r->copy_gbps, 100 * r->ratio, r->max_abs_err,
               r->ok ? "yes" : "NO");
    }
}

static void json_string(FILE *f, const char *text) {
    fputc('"', f);
    for (; *text; ++text) {
        if (*text == '"' || *text == '\\')
            fprintf(f, "\\%c", *text);
        else if ((unsigned char)*text < 0x20)
            fprintf(f, "\\u%04x", (unsigned)(unsigned char)*text);
        else
            fputc(*text, f);
    }
    fputc('"', f);
}

static void json_array(FILE *f, const char *key, const int64_t *v, int n) {
    fprintf(f, ", \"%s\": [", key);
    for (int i = 0; i < n; ++i)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)v[i]);
    fputc(']', f);
}

static void json_row(FILE *f, const bench_row *r) {
    int64_t in[4], out[4];
    memory_shape(&r->input, in);
    memory_shape(&r->output, out);
    fputs("  {\"name\": ", f);
    json_string(f, r->layer->name);
    fprintf(f, ", \"mode\": \"%s\", \"pass\": \"%s\", \"indices\": \"%s\"",
            r->layer->mode == CLPOOL_MODE_MAX ? "max" : "avg",
            r->pass == BENCH_BACKWARD ? "backward" : "forward",
            r->pass == BENCH_FORWARD_INDICES ||
                    (r->pass == BENCH_BACKWARD && r->layer->mode == CLPOOL_MODE_MAX)
                ? "int64"
                : "none");
    fprintf(f, ", \"layout\": \"%s\", \"dtype\": \"float32\"", layout_name(r->layout));
    json_array(f, "input", in, 4);
    json_array(f, "output", out, 4);
    json_array(f, "kernel", r->layer->kernel, 2);
    json_array(f, "stride", r->layer->stride, 2);
    json_array(f, "padding", r->layer->padding, 2);
    fprintf(f,
            ", \"ceil_mode\": %s, \"kernel_ms_median\": %.6g, \"kernel_ms_min\": %.6g, "
            "\"gbps\": %.6g, \"copy_gbps\": %.6g, \"ratio_to_copy\": %.6g, \"max_abs_err\": %.6g, "
            "\"ok\": %s}",
            r->layer->ceil_mode ? "true" : "false", r->ms_median, r->ms_min, r->gbps, r->copy_gbps,
            r->ratio, r->max_abs_err, r->ok ? "true" : "false");
}

int bench_write_json(const char *path, const bench_row *rows, size_t count) {
    const size_t length = strlen(path) + 32;
    char *temp = malloc(length);
    if (!temp)
        return -1;
    snprintf(temp, length, "%s.tmp%ld", path, (long)rand());
    FILE *f = fopen(temp, "wx");
    if (!f) {
        free(temp);
        return -1;
    }
    fputs("[\n", f);
    for (size_t i = 0; i < count; ++i) {
        json_row(f, &rows[i]);
        fputs(i + 1 < count ? ",\n" : "\n", f);
    }
    fputs("]\n", f);
    int status = ferror(f) ? -1 : 0;
    status = fclose(f) != 0 ? -1 : status;
    if (status == 0)
        status = rename(temp, path);
    if (status != 0)
        remove(temp);
    free(temp);
    return status;
}
