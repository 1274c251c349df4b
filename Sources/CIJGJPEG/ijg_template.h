/* Included by ijg8.c, ijg12.c and ijg16.c with IJG_BITS and IJG_PREFIX set; the mangle header of each build
 * gives its symbols distinct names so the three libraries link together. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONCAT2(a, b) a##b
#define CONCAT(a, b) CONCAT2(a, b)
#define FN(name) CONCAT(IJG_PREFIX, name)

struct FN(err_mgr) {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void FN(on_error)(j_common_ptr c) {
    struct FN(err_mgr) *e = (struct FN(err_mgr) *)c->err;
    (*c->err->format_message)(c, e->message);
    longjmp(e->jump, 1); /* the default error_exit would call exit() */
}

static void FN(silent)(j_common_ptr c, int level) { (void)c; (void)level; }

int FN(decode)(const unsigned char *src, size_t src_len, int to_rgb, unsigned char **out, size_t *out_len, cijg_info *info,
               char *error, size_t error_len) {
    struct jpeg_decompress_struct cinfo;
    struct FN(err_mgr) err;
    FILE *input = fmemopen((void *)src, src_len, "rb");
    unsigned char *buffer = NULL;
    JSAMPLE *row = NULL;
    if (!input) { snprintf(error, error_len, "fmemopen failed"); return 1; }
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = FN(on_error);
    err.pub.emit_message = FN(silent);
    if (setjmp(err.jump)) {
        snprintf(error, error_len, "%s", err.message);
        jpeg_destroy_decompress(&cinfo);
        fclose(input);
        free(buffer);
        free(row);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, input);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.num_components == 3 && !to_rgb) cinfo.out_color_space = cinfo.jpeg_color_space; /* keep YCbCr */
    jpeg_start_decompress(&cinfo);
    {
        size_t bytes_per_sample = IJG_BITS == 8 ? 1 : 2;
        size_t stride = (size_t)cinfo.output_width * cinfo.output_components;
        size_t total = stride * cinfo.output_height * bytes_per_sample;
        if (cinfo.output_width == 0 || cinfo.output_height == 0 || total > ((size_t)1 << 31)) {
            snprintf(error, error_len, "implausible size %ux%u", cinfo.output_width, cinfo.output_height);
            longjmp(err.jump, 2);
        }
        buffer = malloc(total);
        row = malloc(stride * sizeof(JSAMPLE));
        if (!buffer || !row) { snprintf(err.message, sizeof err.message, "out of memory"); longjmp(err.jump, 3); }
        while (cinfo.output_scanline < cinfo.output_height) {
            JSAMPROW rows[1] = {row};
            size_t y = cinfo.output_scanline;
            jpeg_read_scanlines(&cinfo, rows, 1);
            if (bytes_per_sample == 1) {
                for (size_t i = 0; i < stride; i++) buffer[y * stride + i] = (unsigned char)row[i];
            } else {
                unsigned short *dst = (unsigned short *)buffer + y * stride;
                for (size_t i = 0; i < stride; i++) dst[i] = (unsigned short)row[i];
            }
        }
        info->width = (int)cinfo.output_width;
        info->height = (int)cinfo.output_height;
        info->components = cinfo.output_components;
        info->precision = cinfo.data_precision;
        info->lossless = cinfo.process == JPROC_LOSSLESS;
        *out = buffer;
        *out_len = total;
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    fclose(input);
    free(row);
    return 0;
}

int FN(encode_lossless)(const unsigned char *samples, int width, int height, int components, int precision, int predictor,
                        int ycbcr, unsigned char **out, size_t *out_len, char *error, size_t error_len) {
    struct jpeg_compress_struct cinfo;
    struct FN(err_mgr) err;
    char *mem = NULL;
    size_t mem_len = 0;
    FILE *output = open_memstream(&mem, &mem_len);
    JSAMPLE *row = NULL;
    if (!output) { snprintf(error, error_len, "open_memstream failed"); return 1; }
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = FN(on_error);
    err.pub.emit_message = FN(silent);
    if (setjmp(err.jump)) {
        snprintf(error, error_len, "%s", err.message);
        jpeg_destroy_compress(&cinfo);
        fclose(output);
        free(mem);
        free(row);
        return 1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_stdio_dest(&cinfo, output);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 3 ? (ycbcr ? JCS_YCbCr : JCS_RGB) : JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    /* Same input and JPEG colour space: no conversion, as lossless requires. */
    jpeg_set_colorspace(&cinfo, cinfo.in_color_space);
    cinfo.data_precision = precision;
    jpeg_simple_lossless(&cinfo, predictor, 0);
    jpeg_start_compress(&cinfo, TRUE);
    {
        size_t stride = (size_t)width * components;
        row = malloc(stride * sizeof(JSAMPLE));
        if (!row) { snprintf(err.message, sizeof err.message, "out of memory"); longjmp(err.jump, 3); }
        while (cinfo.next_scanline < cinfo.image_height) {
            size_t y = cinfo.next_scanline;
            JSAMPROW rows[1] = {row};
            for (size_t i = 0; i < stride; i++)
                row[i] = IJG_BITS == 8 ? (JSAMPLE)samples[y * stride + i] : (JSAMPLE)((const unsigned short *)samples)[y * stride + i];
            jpeg_write_scanlines(&cinfo, rows, 1);
        }
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    fclose(output);
    free(row);
    *out = (unsigned char *)mem;
    *out_len = mem_len;
    return 0;
}
