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

/* Shape in memory order (N, C, spatial... or N, spatial..., C); returns its rank. */
static int memory_shape(const clpool_tensor_desc *t, int64_t shape[CLPOOL_MAX_SPATIAL_RANK + 2]) {
    const int last = t->layout == CLPOOL_LAYOUT_CHANNELS_LAST, rank = t->spatial_rank;
    shape[0] = t->n;
    shape[last ? rank + 1 : 1] = t->c;
    for (int i = 0; i < rank; ++i)
        shape[(last ? 1 : 2) + i] = t->spatial[i];
    return rank + 2;
}

static void shape_text(const clpool_tensor_desc *t, char *buf, size_t size) {
    int64_t s[CLPOOL_MAX_SPATIAL_RANK + 2];
    const int rank = memory_shape(t, s);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < rank && used < size; ++i) {
        const int n = snprintf(buf + used, size - used, "%s%lld", i ? "x" : "", (long long)s[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* Per-dimension values as "V" when they are all equal, else "V,V[,V]". */
static size_t per_dim_text(const int64_t *v, int rank, char *buf, size_t size) {
    int same = 1;
    for (int i = 1; i < rank; ++i)
        same = same && v[i] == v[0];
    size_t used = 0;
    for (int i = 0; i < (same ? 1 : rank) && used < size; ++i) {
        const int n = snprintf(buf + used, size - used, "%s%lld", i ? "," : "", (long long)v[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    return used;
}

/* The layer's windows, as the table shows them: "global", "adaptive 7,7" or
 * "KERNEL/STRIDE/PADDING[ ceil]" (3/2/1). */
static void window_text(const bench_layer *layer, char *buf, size_t size) {
    if (layer->window == BENCH_WINDOW_GLOBAL) {
        snprintf(buf, size, "global");
        return;
    }
    if (layer->window == BENCH_WINDOW_ADAPTIVE) {
        const int n = snprintf(buf, size, "adaptive ");
        if (n > 0 && (size_t)n < size)
            per_dim_text(layer->output_size, layer->rank, buf + n, size - (size_t)n);
        return;
    }
    const int64_t *const parts[3] = {layer->kernel, layer->stride, layer->padding};
    size_t used = 0;
    for (int p = 0; p < 3 && used + 1 < size; ++p) {
        if (p)
            buf[used++] = '/';
        used += per_dim_text(parts[p], layer->rank, buf + used, size - used);
    }
    if (used < size)
        snprintf(buf + used, size - used, "%s", layer->ceil_mode ? " ceil" : "");
}

static const char *window_kind(bench_window window) {
    return window == BENCH_WINDOW_GLOBAL
               ? "global"
               : (window == BENCH_WINDOW_ADAPTIVE ? "adaptive" : "sliding");
}

void bench_print_table(const bench_row *rows, size_t count, const char *heading) {
    printf("%s\n\n%-20s %-4s %-4s %-16s %-15s %-14s %-20s %-18s %9s %9s %8s %8s %6s %9s %s\n",
           heading, "layer", "mode", "dims", "window", "pass", "layout", "input", "output",
           "ms med", "ms min", "GB/s", "copy", "ratio", "max err", "ok");
    for (size_t i = 0; i < count; ++i) {
        const bench_row *r = &rows[i];
        char in_text[96], out_text[96], window[64], dims[8];
        shape_text(&r->input, in_text, sizeof in_text);
        shape_text(&r->output, out_text, sizeof out_text);
        window_text(r->layer, window, sizeof window);
        snprintf(dims, sizeof dims, "%dD", r->layer->rank);
        printf("%-20s %-4s %-4s %-16s %-15s %-14s %-20s %-18s %9.4f %9.4f %8.2f %8.2f %5.0f%% "
               "%9.2g %s\n",
               r->layer->name, r->layer->mode == CLPOOL_MODE_MAX ? "max" : "avg", dims, window,
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

/* Sliding layers have kernel, stride, padding and ceil_mode; adaptive and global layers have
 * output_size instead, and null for the others. */
static void json_window(FILE *f, const bench_layer *layer) {
    fprintf(f, ", \"spatial_rank\": %d, \"window\": \"%s\"", layer->rank,
            window_kind(layer->window));
    if (layer->window != BENCH_WINDOW_SLIDING) {
        json_array(f, "output_size", layer->output_size, layer->rank);
        fputs(", \"kernel\": null, \"stride\": null, \"padding\": null, \"ceil_mode\": null", f);
        return;
    }
    fputs(", \"output_size\": null", f);
    json_array(f, "kernel", layer->kernel, layer->rank);
    json_array(f, "stride", layer->stride, layer->rank);
    json_array(f, "padding", layer->padding, layer->rank);
    fprintf(f, ", \"ceil_mode\": %s", layer->ceil_mode ? "true" : "false");
}

static void json_row(FILE *f, const bench_row *r) {
    int64_t in[CLPOOL_MAX_SPATIAL_RANK + 2], out[CLPOOL_MAX_SPATIAL_RANK + 2];
    const int in_rank = memory_shape(&r->input, in), out_rank = memory_shape(&r->output, out);
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
    json_array(f, "input", in, in_rank);
    json_array(f, "output", out, out_rank);
    json_window(f, r->layer);
    fprintf(f,
            ", \"kernel_ms_median\": %.6g, \"kernel_ms_min\": %.6g, \"gbps\": %.6g, "
            "\"copy_gbps\": %.6g, \"ratio_to_copy\": %.6g, \"max_abs_err\": %.6g, \"ok\": %s}",
            r->ms_median, r->ms_min, r->gbps, r->copy_gbps, r->ratio, r->max_abs_err,
            r->ok ? "true" : "false");
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
