import { dataPlaneDeps } from '../../shared/data-plane-wiring';
import { createListAircraftHandler } from './handler';

export const handler = createListAircraftHandler(dataPlaneDeps('api-aircraft'));
