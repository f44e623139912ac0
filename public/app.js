// Entry point: start the studio once the modules are in.
import { start } from './js/controller.js';

start();
