#define BITS_IN_JSAMPLE 16
#define IJG_BITS 16
#define IJG_PREFIX cijg16_
#include <stdio.h>
#include <gdcm-3.0/gdcmjpeg/16/mangle_jpeg16bits.h>
#include <gdcm-3.0/gdcmjpeg/16/jpeglib.h>
#include "cijgjpeg.h"
#include "ijg_template.h"
