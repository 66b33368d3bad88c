import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createUpdateAircraftHandler } from './handler';

export const handler = createUpdateAircraftHandler(dataPlaneDeps('api-aircraft'));
