// GLSL ES 3.00 sources of the renderer. One full-viewport triangle; the fragment shader maps its own canvas
// position back to the image through the inverse view transform, so zoom, pan, rotation and flips are uniforms,
// never a new texture. Pixel values come from integer textures (isampler2D / usampler2D) with NEAREST
// sampling at the texel centre, so they arrive exactly as stored; modality LUT and window are computed here.

/** Covers the viewport with one triangle generated from gl_VertexID (no vertex buffers to lose or restore). */
export const VERTEX = `#version 300 es
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
`;

// Canvas position of this fragment (device pixels, y down, relative to the viewport), then the image point.
const LOCATE = `
uniform mat3 u_canvasToImage;
uniform vec3 u_viewport;   // viewport left, viewport top, canvas height (device pixels, y down)
uniform vec2 u_size;       // columns, rows
out vec4 outColor;

// Texture coordinate of the texel centre under this fragment, or false outside the image.
bool locate(out vec2 uv) {
  vec2 c = vec2(gl_FragCoord.x - u_viewport.x, u_viewport.z - gl_FragCoord.y - u_viewport.y);
  vec2 p = (u_canvasToImage * vec3(c, 1.0)).xy;
  if (p.x < 0.0 || p.y < 0.0 || p.x >= u_size.x || p.y >= u_size.y) return false;
  uv = (floor(p) + 0.5) / u_size;
  return true;
}
`;

/**
 * Grey images: stored value → rescale (modality LUT) → VOI window → invert → pseudo-colour LUT.
 * The window is the rounding-exact form of PS3.3 C.11.2.1.2 explained at windowByte() in pixels.js; every
 * product in the correction step is exact in float32 for integer or half-integer inputs, so the GPU agrees with
 * the CPU reference on every pixel.
 * @param {'isampler2D' | 'usampler2D'} sampler
 */
export function greyFragment(sampler) {
  return `#version 300 es
precision highp float;
precision highp int;
precision highp ${sampler};
uniform highp ${sampler} u_image;
uniform sampler2D u_lut;      // 256×1 RGBA pseudo-colour table (a grey ramp when none is chosen)
uniform float u_slope;
uniform float u_intercept;
uniform float u_center;
uniform float u_width;
uniform int u_function;       // 0 LINEAR, 1 LINEAR_EXACT, 2 SIGMOID
uniform bool u_invert;        // user invert XOR MONOCHROME1
${LOCATE}
float windowByte(float x) {
  if (u_function == 2) {
    float y = 255.0 / (1.0 + exp(-4.0 * (x - u_center) / u_width));
    return clamp(floor(y + 0.5), 0.0, 255.0);
  }
  float b = u_function == 0 ? u_width - 1.0 : u_width;
  float n = x - u_center + u_width * 0.5;
  if (n <= 0.0) return 0.0;
  if (n > b) return 255.0;
  float k = floor(255.0 * n / b + 0.5);
  float t = 510.0 * n;
  if ((2.0 * k + 1.0) * b <= t) k += 1.0;
  else if ((2.0 * k - 1.0) * b > t) k -= 1.0;
  return clamp(k, 0.0, 255.0);
}

void main() {
  vec2 uv;
  if (!locate(uv)) discard;
  float x = float(texture(u_image, uv).r) * u_slope + u_intercept;
  float k = windowByte(x);
  if (u_invert) k = 255.0 - k;
  outColor = vec4(texture(u_lut, vec2((k + 0.5) / 256.0, 0.5)).rgb, 1.0);
}
`;
}

/** Colour images (RGB8): shown as they are, optionally inverted. */
export const COLOR_FRAGMENT = `#version 300 es
precision highp float;
uniform sampler2D u_image;
uniform bool u_invert;
${LOCATE}
void main() {
  vec2 uv;
  if (!locate(uv)) discard;
  vec3 rgb = texture(u_image, uv).rgb;
  outColor = vec4(u_invert ? 1.0 - rgb : rgb, 1.0);
}
`;
