/** Registers every scheme family (import order = catalogue order). */
import './basic.ts';
import './variance.ts';
import './frameworks/index.ts'; // torch.*, keras.*, jax.*, tfjs.*, caffe2.*, caffe.* (delegate to canonical names at compile time)
