/* Unit tests: the warp family's sampling (plugins/neural-cleanse/nc_warp.c).
 * A zero field leaves the image as it is; a whole-pixel displacement moves
 * it by that pixel (the border clamped); half a pixel averages the two
 * neighbours; a grid point's displacement fades bilinearly to the next
 * grid point. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "nc_warp.h"

enum { H = 7, W = 9, C = 2, G = 4 };

static nc_problem shape(void) {
  nc_problem pb;
  memset(&pb, 0, sizeof pb);
  pb.channels = C;
  pb.height = H;
  pb.width = W;
  return pb;
}

static void image(float *x) {
  for (size_t c = 0; c < C; c++)
    for (size_t i = 0; i < H; i++)
      for (size_t j = 0; j < W; j++)
        x[(c * H + i) * W + j] = (float)(100 * c + 10 * i + j);
}

/* field: rows' displacements then columns', G x G each */
static void constant_field(float *field, float dy, float dx) {
  for (size_t p = 0; p < G * G; p++) {
    field[p] = dy;
    field[G * G + p] = dx;
  }
}

START_TEST(zero_field_is_the_identity) {
  nc_problem pb = shape();
  float x[C * H * W], out[C * H * W], field[2 * G * G];
  image(x);
  constant_field(field, 0, 0);
  nc_warp_apply(&pb, G, field, x, 1, out);
  for (size_t i = 0; i < C * H * W; i++)
    ck_assert_float_eq_tol(out[i], x[i], 1e-5);
}
END_TEST

START_TEST(whole_pixel_shift_moves_the_image) {
  nc_problem pb = shape();
  float x[C * H * W], out[C * H * W], field[2 * G * G];
  image(x);
  constant_field(field, 0, 1); /* every pixel reads its right neighbour */
  nc_warp_apply(&pb, G, field, x, 1, out);
  for (size_t c = 0; c < C; c++)
    for (size_t i = 0; i < H; i++)
      for (size_t j = 0; j < W; j++) {
        size_t src = j + 1 < W ? j + 1 : W - 1;
        ck_assert_float_eq_tol(out[(c * H + i) * W + j], x[(c * H + i) * W + src], 1e-4);
      }
  constant_field(field, -1, 0); /* every pixel reads the row above */
  nc_warp_apply(&pb, G, field, x, 1, out);
  for (size_t i = 0; i < H; i++)
    for (size_t j = 0; j < W; j++)
      ck_assert_float_eq_tol(out[i * W + j], x[(i ? i - 1 : 0) * W + j], 1e-4);
}
END_TEST

START_TEST(half_pixel_averages_and_grid_points_fade) {
  nc_problem pb = shape();
  float x[C * H * W], out[C * H * W], field[2 * G * G];
  image(x);
  constant_field(field, 0.5f, 0);
  nc_warp_apply(&pb, G, field, x, 1, out);
  ck_assert_float_eq_tol(out[2 * W + 3], 0.5f * (x[2 * W + 3] + x[3 * W + 3]), 1e-4);
  /* one grid point (the top-left) moved by a column: the corner pixel
   * moves by 1, the pixel halfway to the next grid point by 1/2 */
  constant_field(field, 0, 0);
  field[G * G] = 1.0f;
  nc_warp_apply(&pb, G, field, x, 1, out);
  ck_assert_float_eq_tol(out[0], x[1], 1e-4);
  /* W = 9, G = 4: grid points every 8/3 columns; column 1 of row 0 is 3/8
   * of the way to the second grid point, so it moves by 5/8 of a column */
  double moved = 1.0 - 1.0 / (8.0 / 3.0);
  ck_assert_float_eq_tol(out[1], (float)(x[1] + moved * (x[2] - x[1])), 1e-4);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("nc_warp");
  TCase *tc = tcase_create("sampling");
  tcase_add_test(tc, zero_field_is_the_identity);
  tcase_add_test(tc, whole_pixel_shift_moves_the_image);
  tcase_add_test(tc, half_pixel_averages_and_grid_points_fade);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
