/** Framework namespaces: torch.*, keras.*, jax.*, tfjs.*, caffe2.*, caffe.* */
import './torch.ts';
import './keras.ts';
import './jax.ts';
import './tfjs.ts';
import './caffe2.ts';
import './caffe.ts';
