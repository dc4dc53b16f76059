/*
 * The installed-package consumer: compiles against the installed header with OpenCL 3.0 APIs
 * visible, links the installed library, and checks the run-time version and a device-free query.
 */
#include <clpool/clpool.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    /* An OpenCL 2.0+ declaration must stay visible to a consumer that targets 3.0. */
    void *queue_with_properties = (void *)&clCreateCommandQueueWithProperties;
    clpool_pool_desc pool;
    clpool_tensor_desc input, output;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 3, 3);
    pool.stride[0] = pool.stride[1] = 2;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 7, 7);
    if (!queue_with_properties || clpool_version_number() != CLPOOL_VERSION_NUMBER ||
        strcmp(clpool_version_string(), CLPOOL_VERSION_STRING) != 0 ||
        clpool_pool_output_desc(&pool, &input, &output) != CLPOOL_SUCCESS ||
        output.spatial[0] != 3) {
        fprintf(stderr, "consumer: unexpected result: %s\n", clpool_last_error());
        return 1;
    }
    printf("consumer: clpool %s, 7x7 -> %lldx%lld\n", clpool_version_string(),
           (long long)output.spatial[0], (long long)output.spatial[1]);
    return 0;
}
