// Every function the addon exports. Each reads its arguments from a Call, checks every buffer size against the
// shapes it is given, and writes only its output buffers (never its inputs).
#pragma once

#include "context.h"
#include "napi-args.h"

namespace rt {

void conv2dForward(Call& call);
void conv2dBackwardData(Call& call);
void conv2dBackwardWeights(Call& call);
size_t convCacheSize();

void batchNormTrainForward(Call& call);
void batchNormTrainBackward(Call& call);
void batchNormInference(Call& call);
void batchNormWorkspaceBytes(Call& call);
size_t batchNormCacheSize();

void pool2dForward(Call& call);
void avgPool2dBackward(Call& call);
void maxPool2dBackward(Call& call);
size_t poolCacheSize();

void matMul(Call& call);
size_t matMulCacheSize();

void unary(Call& call);
void reluBackward(Call& call);
void binary(Call& call);
size_t eltwiseCacheSize();

void reduce(Call& call);

void concat(Call& call);
void split(Call& call);
void slice(Call& call);
void pad(Call& call);
void transpose(Call& call);
void fill(Call& call);
size_t copyCacheSize();

void adam(Call& call);

}  // namespace rt
