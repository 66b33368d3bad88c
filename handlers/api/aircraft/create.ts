import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createCreateAircraftHandler } from './handler';

export const handler = createCreateAircraftHandler(dataPlaneDeps('api-aircraft'));
