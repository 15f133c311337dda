// What static/js/bim-viewer.js uses of three.js, and nothing more (esbuild drops the rest). Exposed as
// window.THREE_BIM by build.mjs.
export {
  Box3, BufferAttribute, Color, DirectionalLight, HemisphereLight, PerspectiveCamera, Plane, Raycaster, REVISION,
  Scene, Sphere, Vector2, Vector3, WebGLRenderer,
} from "three";
export { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";
export { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
