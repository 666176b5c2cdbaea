/** Registers every scheme family (import order = catalogue order). */
import './basic.ts';
import './variance.ts';
import './structured.ts'; // eye, uniform_scaling, dirac, zero_init, bilinear, diagonal, range, lengths_range, given, norm_param, positive_unitball, sparse_bernoulli
import './whole.ts'; // orthogonal, delta_orthogonal, sparse, dirichlet, unique_uniform_int (whole-tensor)
import './frameworks/index.ts'; // torch.*, keras.*, jax.*, tfjs.*, caffe2.*, caffe.* (delegate to canonical names at compile time)
import '../models/schemes.ts'; // model preset helpers (embedding_normal, segments), needed by pool workers too
