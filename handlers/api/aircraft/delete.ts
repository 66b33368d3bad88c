import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createDeleteAircraftHandler } from './handler';

export const handler = createDeleteAircraftHandler(dataPlaneDeps('api-aircraft'));
